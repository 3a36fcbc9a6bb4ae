// 督导指标 A region's indicators: a chart of the rates against their targets (ECharts, served
// by the hub), every figure in a table, the children behind each one, and the Excel workbook.
import { download, gql, h, status, t } from "../core.js";
import { label } from "../labels.js";

const QUERY = `query ConsoleIndicators($region: String!, $year: Int!) {
  indicators(region: $region, year: $year) {
    region regionName year from to census asOf
    indicators { key family name english unit numerator numeratorUnit denominator value target
                 targetOp status meetsTarget source childrenVisible
                 definition definitionChinese denominatorDefinition denominatorDefinitionChinese
                 childrenAre childrenAreChinese } } }`;
// The children behind one figure, asked when its list is opened: the page's report is computed
// for its figures only (faster), and only the list opened is disclosed and audited.
const LIST = `query ConsoleIndicatorList($region: String!, $year: Int!, $key: String!) {
  indicators(region: $region, year: $year, keys: [$key]) { indicators { key childIds } } }`;
const BEHIND = `query ConsoleBehind($ids: [ID!]!) {
  childrenByIds(ids: $ids) { id name age currentPlacement { placementType organisation { name } } } }`;
const SHOWN = 100;
// The indicator's status: NO_DATA (a denominator of 0, e.g. no class) is never shown as met.
const STATUS = {
  MET: () => h("span.badge.ok", {}, t("达标", "meets")),
  NOT_MET: () => h("span.badge.bad", {}, t("未达标", "below target")),
  NO_DATA: () => h("span.badge.warn", {}, t("无数据", "no data")),
};

function fmt(value, unit) {
  if (value === null || value === undefined) return "—";
  if (unit === "rate") return `${(value * 100).toFixed(1)}%`;
  if (unit === "yuan") return `${Math.round(value).toLocaleString()} ${t("元", "yuan")}`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** How the figure is counted, folded under its name: numerator, denominator, list, source. */
function definition(r) {
  const rows = [
    [t("分子", "Numerator"), t(r.definitionChinese, r.definition)],
    r.denominatorDefinition ? [t("分母", "Denominator"),
      t(r.denominatorDefinitionChinese, r.denominatorDefinition)] : null,
    [t("名单", "The list"), t(r.childrenAreChinese, r.childrenAre)],
    [t("依据", "Source"), r.source],
  ].filter(Boolean);
  return h("details.definition", {}, h("summary", {}, t("口径", "How it is counted")),
    h("dl", {}, ...rows.flatMap(([term, text]) => [h("dt", {}, term), h("dd", {}, text)])));
}

// The legend's swatch is green; a bar below its target is drawn red, and the name says so.
const VALUE = () => t("实际值（红色：未达标）", "Value (red: below target)");

function defaultYear() {
  const now = new Date();
  return now.getMonth() >= 8 ? now.getFullYear() : now.getFullYear() - 1;
}

async function chart(element, rates) {
  let echarts;
  try {
    await import("/console/static/vendor/echarts.min.js"); // UMD: sets globalThis.echarts
    echarts = globalThis.echarts;
  } catch {
    echarts = null;
  }
  const summary = rates.map((r) => `${t(r.name, r.english)} ${fmt(r.value, "rate")}`
    + (r.target !== null ? ` (${t("目标", "target")} ${r.targetOp} ${fmt(r.target, "rate")})` : ""));
  element.setAttribute("aria-label", t("比率类指标柱状图：", "Bar chart of the rates: ")
    + summary.join(t("；", "; ")));
  if (!echarts) {
    element.replaceChildren(h("p.hint", {}, t("图表组件未安装（npm ci），请看下表。",
      "The chart library is not installed (npm ci): see the table below.")));
    element.style.height = "auto";
    return;
  }
  const instance = echarts.init(element, null, { renderer: "canvas" });
  // On a phone the rates' names get a narrower column, so the bars still have room.
  const nameWidth = element.clientWidth < 600 ? 110 : 190;
  const names = rates.map((r) => t(r.name, r.english));
  instance.setOption({
    animation: false,
    grid: { left: nameWidth + 10, right: 40, top: 36, bottom: 30 },
    legend: { data: [VALUE(), t("目标", "Target")], top: 4 },
    // Legend and tooltip name the grey bars: each rate's target (ECharts' common build).
    tooltip: { trigger: "axis", valueFormatter: (v) => (v === null || v === undefined ? "—" : `${v}%`) },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: names, inverse: true,
      axisLabel: { width: nameWidth, overflow: "truncate", color: "#1b1f24" } },
    series: [
      { name: VALUE(), type: "bar", barGap: "10%", itemStyle: { color: "#1e6b3a" },
        label: { show: true, position: "right", formatter: (p) => `${p.value}%`, color: "#1b1f24" },
        data: rates.map((r) => ({ value: r.value === null ? null : +(r.value * 100).toFixed(1),
          itemStyle: { color: r.meetsTarget === false ? "#a3161b" : "#1e6b3a" } })) },
      { name: t("目标", "Target"), type: "bar", itemStyle: { color: "#8a96a3" },
        data: rates.map((r) => (r.target === null ? null : +(r.target * 100).toFixed(1))) },
    ],
  });
  addEventListener("resize", () => instance.resize());
}

export async function render({ who }) {
  const form = document.getElementById("ind-form");
  const params = new URLSearchParams(location.search);
  form.elements.region.value = params.get("region") || who.region || "";
  form.elements.year.value = params.get("year") || defaultYear();
  const behind = document.getElementById("behind");

  async function showBehind(report, indicator, { focus = true } = {}) {
    status(t("正在读取名单……", "Reading the list…"));
    const listed = await gql(LIST, { region: report.region, year: report.year, key: indicator.key });
    const childIds = listed.data.indicators.indicators[0].childIds;
    status("");
    const ids = childIds.slice(0, SHOWN);
    const heading = document.getElementById("behind-heading");
    heading.textContent = t(`${indicator.name}：相关儿童 ${childIds.length} 名`,
      `${indicator.english}: ${childIds.length} children behind it`);
    // What the list is, in the indicator's own words; ages are today's, not the year's.
    document.getElementById("behind-what").textContent = t(
      `名单口径：${indicator.childrenAreChinese}。年龄为今天的周岁，指标按学年 8 月 31 日的年龄分段。`,
      `The list holds ${indicator.childrenAre}. Ages are today's; the indicator bands children `
      + "by their age on 31 August of the school year.");
    document.getElementById("behind-note").textContent = childIds.length > SHOWN
      ? t(`显示前 ${SHOWN} 名；完整名单请导出 Excel。`, `The first ${SHOWN} are shown; export to `
        + "Excel for the whole list.")
      : (childIds.length ? "" : t("名单为空：没有儿童在此指标之后。", "The list is empty: no child "
        + "stands behind this figure."));
    // The open list is part of the address: Back from a child's record comes back to it.
    const address = new URLSearchParams(location.search);
    address.set("list", indicator.key);
    history.replaceState(null, "", `?${address}`);
    const list = document.getElementById("behind-list");
    list.replaceChildren();
    const { data } = ids.length ? await gql(BEHIND, { ids }) : { data: { childrenByIds: [] } };
    for (const c of data.childrenByIds) {
      const p = c.currentPlacement;
      list.append(h("li", {}, h("a", { href: `/console/child?id=${encodeURIComponent(c.id)}` },
        c.name || c.id), ` · ${c.age ?? "—"}${t(" 岁", " y")} · `,
        p ? `${label("PlacementType", p.placementType)} · ${p.organisation ? p.organisation.name : ""}`
          : t("无当前安置", "no current placement")));
    }
    behind.hidden = false;
    if (focus) behind.focus();
  }

  async function load() {
    const region = form.elements.region.value.trim();
    const year = Number(form.elements.year.value);
    const regionError = document.getElementById("region-error");
    const yearError = document.getElementById("year-error");
    regionError.textContent = /^\d{6}$/.test(region) ? "" : t("请填写六位行政区划代码。",
      "Enter a six-digit region code.");
    yearError.textContent = year >= 2000 && year <= 2100 ? "" : t("学年应在 2000–2100 之间。",
      "The year must be 2000–2100.");
    for (const [input, error] of [[form.elements.region, regionError], [form.elements.year, yearError]]) {
      if (error.textContent) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
    if (regionError.textContent || yearError.textContent) return null;
    const open = new URLSearchParams(location.search).get("list");
    const address = new URLSearchParams({ region, year: String(year) });
    if (open) address.set("list", open);
    history.replaceState(null, "", `?${address}`);
    status(t("正在计算指标……", "Computing the indicators…"));
    let data;
    try {
      ({ data } = await gql(QUERY, { region, year }));
    } catch (error) {
      // Old figures never stay on screen under an error about new ones; the error stands
      // next to the field it is about, in the page's language.
      document.getElementById("ind-view").hidden = true;
      const about = error.errors && error.errors.find((e) => e.extensions && e.extensions.field);
      if (about && about.extensions.field === "region") {
        regionError.textContent = t("不是已知的行政区划代码，请核对。",
          "Not a known region code: check it.");
        form.elements.region.setAttribute("aria-invalid", "true");
        form.elements.region.focus();
        status("");
        return null;
      }
      throw error;
    }
    const report = data.indicators;
    document.getElementById("ind-summary").textContent = t(
      `${report.regionName || ""}（${report.region}）${report.year} 学年：${report.from} 至 ${report.to}；`
      + `学籍统计日 ${report.census}；名单截至 ${report.asOf}。`,
      `${report.regionName || ""} (${report.region}), school year ${report.year}: ${report.from} to `
      + `${report.to}; census ${report.census}; lists as of ${report.asOf}.`);
    const body = document.querySelector("#ind-table tbody");
    body.replaceChildren();
    for (const r of report.indicators) {
      const listButton = r.childrenVisible
        ? h("button.linkish", { type: "button", onclick: () => showBehind(report, r).catch((e) => status(e.message, "error")) },
          t("查看名单", "Show list"))
        : h("span.hint", {}, t("无权查看名单", "not visible to you"));
      body.append(h(r.meetsTarget === false ? "tr.flagged" : "tr", {},
        h("th", { scope: "row" }, t(r.name, r.english), h("br"), h("span.hint", {}, r.key),
          definition(r)),
        // Labelled cells: on a phone each row is a card (console.css, table.cards).
        h("td.num", { "data-label": t("分子", "Numerator") }, fmt(r.numerator, r.numeratorUnit)),
        h("td.num", { "data-label": t("分母", "Denominator") },
          r.denominator === null ? "—" : fmt(r.denominator, "count")),
        h("td.num", { "data-label": t("值", "Value") }, fmt(r.value, r.unit)),
        h("td", { "data-label": t("目标", "Target") },
          r.target === null ? "—" : `${r.targetOp} ${fmt(r.target, r.unit)}`),
        h("td", { "data-label": t("是否达标", "Meets target") },
          STATUS[r.status] ? STATUS[r.status]() : "—"),
        h("td", { "data-label": t("相关儿童", "Children behind it") }, listButton)));
    }
    document.getElementById("ind-view").hidden = false;
    behind.hidden = true;
    await chart(document.getElementById("chart-rates"),
      report.indicators.filter((r) => r.unit === "rate"));
    status("");
    const reopen = report.indicators.find((r) => r.key === open && r.childrenVisible);
    if (reopen) await showBehind(report, reopen, { focus: false });
    return report;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load().catch((error) => status(error.message, "error"));
  });
  document.getElementById("export").addEventListener("click", async () => {
    const region = form.elements.region.value.trim();
    const year = form.elements.year.value;
    status(t("正在生成 Excel……", "Writing the workbook…"));
    try {
      const size = await download(`/console/export/indicators.xlsx?region=${encodeURIComponent(region)}`
        + `&year=${encodeURIComponent(year)}`, `indicators-${region}-${year}.xlsx`);
      status(t(`已导出（${Math.round(size / 1024)} KB）。`, `Exported (${Math.round(size / 1024)} KB).`),
        "success");
    } catch (error) {
      status(error.message, "error");
    }
  });
  await load();
}
