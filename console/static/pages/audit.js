// 访问日志 The auditor's access log: whether the chain verifies, filters, the unusual-access
// flags of the period (marked on the events they name), and the way to a child's report.
import { PURPOSES, gql, h, status, t } from "../core.js";
import { DEPARTMENTS, departmentLabel } from "../labels.js";

const CHAIN = `query ConsoleChain { auditChainStatus { ok events checkpoints firstSeq lastSeq
  problem checkedAt } }`;
const EVENTS = `query ConsoleEvents($filter: AccessEventFilter, $after: String, $from: DateTime!,
    $to: DateTime!) {
  accessEvents(filter: $filter, first: 50, after: $after) {
    edges { node { seq time kind subtype subjectId subjectKind department purpose
                   operationType operationName rootFields children outcome errorCodes } }
    hasNextPage endCursor }
  unusualAccess(from: $from, to: $to) { kind description subjectId department count firstTime
                                        lastTime events children } }`;
const OUTCOMES = {
  ok: ["成功", "ok"], forbidden: ["拒绝", "forbidden"], not_found: ["未找到", "not found"],
  error: ["错误", "error"], unauthenticated: ["未认证", "unauthenticated"],
  rate_limited: ["限流", "rate limited"],
};
const KINDS = {
  graphql: ["接口查询", "GraphQL"], token: ["令牌/登录", "token / sign-in"],
  ingest: ["导入", "import"], export: ["导出", "export"], policy: ["策略变更", "policy"],
  audit: ["审计导出", "audit export"],
};
const FLAGS = {
  BULK_READ: ["单次大量读取", "bulk read"], BULK_WINDOW: ["短时大量读取", "bulk in window"],
  OFF_HOURS: ["非工作时间", "off hours"], OUT_OF_REGION: ["跨区域", "out of region"],
  DENIAL_BURST: ["连续被拒", "denial burst"],
};

function options(select, entries) {
  select.append(h("option", { value: "" }, t("全部", "All")));
  for (const [value, zh, en] of entries) select.append(h("option", { value }, t(zh, en)));
}

function local(text) {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toLocaleString(t("zh-CN", "en-GB"),
    { hour12: false });
}

function isoOrNull(value) {
  return value ? new Date(value).toISOString() : null;
}

function localInput(date) {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return shifted.toISOString().slice(0, 16);
}

export async function render() {
  const form = document.getElementById("audit-form");
  options(form.elements.department, Object.entries(DEPARTMENTS).map(([k, [zh, en]]) => [k, zh, en]));
  options(form.elements.purpose, PURPOSES);
  options(form.elements.outcome, Object.entries(OUTCOMES).map(([k, [zh, en]]) => [k, zh, en]));
  options(form.elements.kind, Object.entries(KINDS).map(([k, [zh, en]]) => [k, zh, en]));
  const params = new URLSearchParams(location.search);
  for (const name of ["subjectId", "childId", "department", "purpose", "outcome", "kind"]) {
    form.elements[name].value = params.get(name) || "";
  }
  const now = new Date();
  form.elements.from.value = params.get("from") || localInput(new Date(now - 7 * 86400000));
  form.elements.to.value = params.get("to") || "";

  const chainBox = document.getElementById("chain");
  gql(CHAIN).then(({ data }) => {
    const c = data.auditChainStatus;
    chainBox.classList.add(c.ok ? "ok" : "bad");
    chainBox.textContent = c.ok
      ? t(`✓ 校验通过:${c.events} 条事件(序号 ${c.firstSeq}–${c.lastSeq})链完整,${c.checkpoints} 个检查点签名有效。`,
        `✓ Verified: ${c.events} events (seq ${c.firstSeq}–${c.lastSeq}), chain intact, `
        + `${c.checkpoints} checkpoints signed.`)
      : t(`✗ 校验失败:${c.problem}`, `✗ Verification failed: ${c.problem}`);
  }).catch((error) => { chainBox.textContent = error.message; chainBox.classList.add("bad"); });

  const body = document.querySelector("#events tbody");
  const more = document.getElementById("more");
  let after = null;
  let flagged = new Map();

  async function load(append) {
    const filter = {};
    for (const name of ["subjectId", "childId", "department", "purpose", "outcome", "kind"]) {
      const value = form.elements[name].value.trim();
      if (value) filter[name] = value;
    }
    const from = isoOrNull(form.elements.from.value);
    const to = isoOrNull(form.elements.to.value);
    if (from) filter.from = from;
    if (to) filter.to = to;
    if (!append) {
      body.replaceChildren();
      history.replaceState(null, "", "?" + new URLSearchParams(Object.entries({
        ...Object.fromEntries(["subjectId", "childId", "department", "purpose", "outcome", "kind",
          "from", "to"].map((n) => [n, form.elements[n].value.trim()])),
      }).filter(([, v]) => v)).toString());
    }
    status(t("正在读取……", "Loading…"));
    const { data } = await gql(EVENTS, {
      filter, after: append ? after : null,
      from: from || new Date(now - 7 * 86400000).toISOString(),
      to: to || new Date(Date.now() + 60000).toISOString(),
    });
    if (!append) {
      flagged = new Map();
      const list = document.getElementById("flags");
      list.replaceChildren();
      for (const f of data.unusualAccess) {
        for (const seq of f.events) flagged.set(seq, [...(flagged.get(seq) || []), f.kind]);
        const name = FLAGS[f.kind] ? t(...FLAGS[f.kind]) : f.kind;
        list.append(h("li", {}, h("span.badge.warn", {}, name), " ",
          `${f.subjectId} · ${departmentLabel(f.department)} · ${f.count} `
          + t("次", "events") + ` · ${local(f.firstTime)} – ${local(f.lastTime)} · ${f.description}`));
      }
      if (!data.unusualAccess.length) {
        list.append(h("li", {}, t("所选时段没有异常访问提示。", "No unusual access in this period.")));
      }
    }
    for (const { node: e } of data.accessEvents.edges) {
      const flags = flagged.get(e.seq) || [];
      const what = [e.operationType, e.operationName, (e.rootFields || []).join(",")]
        .filter(Boolean).join(" · ");
      body.append(h(flags.length ? "tr.flagged" : "tr", { "data-seq": e.seq },
        h("td.num", {}, e.seq),
        h("td", {}, local(e.time)),
        h("td", {}, e.subjectId || "—", h("br"), h("span.hint", {}, e.subjectKind || "")),
        h("td", {}, departmentLabel(e.department)),
        h("td", {}, e.purpose || "—"),
        h("td", {}, (KINDS[e.kind] ? t(...KINDS[e.kind]) : e.kind) + (what ? ` · ${what}` : "")),
        h("td", {}, e.children.length ? e.children.slice(0, 3).map((c, i) => [i ? ", " : "",
          h("a", { href: `/console/audit/report?child=${encodeURIComponent(c)}` }, c)])
          : "—", e.children.length > 3 ? ` +${e.children.length - 3}` : ""),
        h("td", {}, h(e.outcome === "ok" ? "span.badge.ok" : "span.badge.bad", {},
          OUTCOMES[e.outcome] ? t(...OUTCOMES[e.outcome]) : e.outcome)),
        h("td", {}, flags.map((k) => h("span.badge.warn", {}, FLAGS[k] ? t(...FLAGS[k]) : k)))));
    }
    after = data.accessEvents.endCursor;
    more.hidden = !data.accessEvents.hasNextPage;
    status(t(`显示 ${body.children.length} 条事件。`, `${body.children.length} events shown.`));
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(false).catch((error) => status(error.message, "error"));
  });
  more.addEventListener("click", () => load(true).catch((e) => status(e.message, "error")));
  document.getElementById("r-child").value = params.get("childId") || "";
  await load(false);
}
