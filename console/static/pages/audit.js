// 访问日志 The auditor's access log, in plain words: who (name, user name, organisation: one
// identity across sign-in and API events), why (the purpose), what was done (a read or a
// write), the outcome; whether the chain verifies; the unusual-access flags of the period; and
// a child found by name for the child's access report.
import { PURPOSES, ApiError, gql, h, status, t } from "../core.js";
import { DEPARTMENTS, departmentLabel } from "../labels.js";
import { WORDING } from "../wording.js";

const CHAIN = `query ConsoleChain { auditChainStatus { ok events checkpoints firstSeq lastSeq
  problem checkedAt } }`;
const EVENTS = `query ConsoleEvents($filter: AccessEventFilter, $after: String, $from: DateTime!,
    $to: DateTime!) {
  accessEvents(filter: $filter, first: 50, after: $after) {
    edges { node { seq time kind action subjectId subjectKind department purpose
                   rootFields children outcome } }
    subjects { key kind username name department organisations }
    hasNextPage endCursor }
  unusualAccess(from: $from, to: $to) { kind subjectId department count firstTime
                                        lastTime events } }`;
const WHO = `query ConsoleWho($keys: [String!]!) { auditSubjects(keys: $keys) {
  key kind username name department organisations } }`;
const NAMESAKES = `query ConsoleNamesakes($name: String!) { auditChildren(name: $name) {
  id name birthDate organisation region } }`;
const FLAGS = {
  BULK_READ: ["单次读取儿童过多", "Many children in one request"],
  BULK_WINDOW: ["短时间内读取儿童过多", "Many children in a short time"],
  OFF_HOURS: ["非工作时间访问", "Outside working hours"],
  OUT_OF_REGION: ["访问辖区外儿童", "Children outside the region"],
  DENIAL_BURST: ["短时间内多次被拒绝", "Refused many times in a short time"],
};
const FILTERS = ["subject", "childId", "department", "purpose", "outcome", "kind"];

function pair(entry) {
  return entry ? t(entry[0], entry[1]) : "";
}

function purposeLabel(code) {
  const found = PURPOSES.find(([value]) => value === code);
  return found ? t(found[1], found[2]) : code ? code : t("未声明", "None declared");
}

/** One time format everywhere: 2026-03-02 14:05, local time. */
export function when(text) {
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) return text;
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} `
    + `${two(d.getHours())}:${two(d.getMinutes())}`;
}

function options(select, entries) {
  select.append(h("option", { value: "" }, t("全部", "All")));
  for (const [value, zh, en] of entries) select.append(h("option", { value }, t(zh, en)));
}

function isoOrNull(value) {
  return value ? new Date(value).toISOString() : null;
}

function localInput(date) {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return shifted.toISOString().slice(0, 16);
}

/** A subject as a person reads it: name and user name, department and organisation. */
function whoCell(key, who) {
  const link = (text) => h("a", { href: `/console/audit?subject=${encodeURIComponent(key)}`,
    title: t("只看此访问者的事件", "Only this subject's events") }, text);
  if (!key) return [t("未登录的访问", "Not signed in")];
  if (!who || who.kind === "unknown") {
    return [link(t("未知访问者", "Unknown subject")), h("br"), h("span.hint", {}, key)];
  }
  if (who.kind === "system") return [t("数据枢纽（系统自身）", "The hub itself")];
  const where = [departmentLabel(who.department), ...who.organisations].filter(Boolean)
    .join(t("，", ", "));
  if (who.kind === "person") {
    const name = who.name ? `${who.name}（${who.username}）` : who.username;
    return [link(name), h("br"), h("span.hint", {}, where)];
  }
  return [link(`${who.name || key}${t("（部门系统）", " (department system)")}`), h("br"),
    h("span.hint", {}, where)];
}

function whatCell(event) {
  const op = event.kind === "graphql"
    ? (event.rootFields || []).map((f) => WORDING.OPERATIONS[f]).find(Boolean)
    : WORDING.KINDS[event.kind];
  const write = ["C", "U", "D"].includes(event.action);
  const text = op ? t(op[0], op[1]) : (write ? t("修改记录", "Changed records") : t("查询", "Queried"));
  return [h(write ? "span.badge.write" : "span.badge.read", {}, write ? t("写入", "Write")
    : t("读取", "Read")), " ", text];
}

function childrenCell(children) {
  if (!children.length) return "—";
  const shown = children.slice(0, 3).map((c, i) => [i ? t("、", ", ") : "",
    h("a", { href: `/console/audit/report?child=${encodeURIComponent(c)}` },
      t(`第 ${i + 1} 名的访问报告`, `report ${i + 1}`))]);
  return [t(`${children.length} 名：`, `${children.length}: `), shown,
    children.length > 3 ? t(" 等", " …") : ""];
}

async function lookUp(event) {
  event.preventDefault();
  const input = document.getElementById("l-name");
  const error = document.getElementById("l-name-error");
  const box = document.getElementById("lookup-result");
  const name = input.value.trim();
  error.textContent = "";
  input.removeAttribute("aria-invalid");
  box.replaceChildren();
  if (!name) {
    error.textContent = t("请输入儿童的姓名、拼音或首字母。", "Type the child's name, pinyin or initials.");
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  const { data } = await gql(NAMESAKES, { name });
  const found = data.auditChildren;
  if (!found.length) {
    box.append(h("p.status.error", { id: "lookup-none" },
      t(`没有找到名为“${name}”的儿童。请核对姓名，或试试拼音。`,
        `No child named “${name}”. Check the name, or try its pinyin.`)));
    return;
  }
  box.append(h("p", {}, found.length === 1 ? t("找到 1 名儿童：", "1 child found:")
    : t(`找到 ${found.length} 名儿童，请按出生日期和学校辨认：`,
      `${found.length} children found: tell them apart by birth date and school:`)));
  box.append(h("ul.namesakes", { id: "namesakes" }, found.map((c) => h("li", {},
    h("a", { href: `/console/audit/report?child=${encodeURIComponent(c.id)}` }, c.name),
    ` · ${t("出生", "born")} ${c.birthDate || "—"} · ${c.organisation || t("无当前学校", "no current school")}`
    + (c.region ? ` · ${c.region}` : "")))));
  if (found.length >= 20) {
    box.append(h("p.hint", {}, t("只列出前 20 名：请输入更完整的姓名。",
      "Only the first 20 are listed: type more of the name.")));
  }
}

export async function render() {
  const form = document.getElementById("audit-form");
  options(form.elements.department, Object.entries(DEPARTMENTS).map(([k, [zh, en]]) => [k, zh, en]));
  options(form.elements.purpose, PURPOSES);
  options(form.elements.outcome, Object.entries(WORDING.OUTCOMES).map(([k, [zh, en]]) => [k, zh, en]));
  options(form.elements.kind, [["graphql", "接口访问", "API access"],
    ...Object.entries(WORDING.KINDS).map(([k, [zh, en]]) => [k, zh, en])]);
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) form.elements[name].value = params.get(name) || "";
  if (params.get("childId")) {
    const note = document.getElementById("child-filter");
    note.hidden = false;
    note.append(t("只显示涉及一名儿童的事件。", "Only the events of one child. "),
      h("a", { href: `/console/audit/report?child=${encodeURIComponent(params.get("childId"))}` },
        t("查看该儿童的访问报告", "Open the child's access report")));
  }
  const now = new Date();
  form.elements.from.value = params.get("from") || localInput(new Date(now - 7 * 86400000));
  form.elements.to.value = params.get("to") || "";
  document.getElementById("lookup-form").addEventListener("submit",
    (event) => lookUp(event).catch((e) => status(e.message, "error")));

  const chainBox = document.getElementById("chain");
  const chain = gql(CHAIN).then(({ data }) => {
    const c = data.auditChainStatus;
    chainBox.classList.add(c.ok ? "ok" : "bad");
    chainBox.textContent = c.ok
      ? t(`✓ 校验通过：${c.events} 条事件首尾相连、未被改动，${c.checkpoints} 个检查点签名有效。`,
        `✓ Verified: ${c.events} events, chained and unaltered; ${c.checkpoints} checkpoints signed.`)
      : t(`✗ 校验失败：${c.problem}`, `✗ Verification failed: ${c.problem}`);
  }).catch((error) => { chainBox.textContent = error.message; chainBox.classList.add("bad"); });

  const body = document.querySelector("#events tbody");
  const more = document.getElementById("more");
  let after = null;
  let flagged = new Map();
  const people = new Map();

  async function identify(keys) {
    const unknown = [...new Set(keys.filter((k) => k && !people.has(k)))];
    if (!unknown.length) return;
    const { data } = await gql(WHO, { keys: unknown });
    for (const who of data.auditSubjects) people.set(who.key, who);
  }

  async function load(append) {
    const filter = {};
    for (const name of FILTERS) {
      const value = form.elements[name].value.trim();
      if (value) filter[name] = value;
    }
    const from = isoOrNull(form.elements.from.value);
    const to = isoOrNull(form.elements.to.value);
    if (from) filter.from = from;
    if (to) filter.to = to;
    if (!append) {
      body.replaceChildren();
      history.replaceState(null, "", "?" + new URLSearchParams(Object.entries(
        Object.fromEntries([...FILTERS, "from", "to"].map((n) => [n, form.elements[n].value.trim()])),
      ).filter(([, v]) => v)).toString());
    }
    status(t("正在读取……", "Loading…"));
    const { data } = await gql(EVENTS, {
      filter, after: append ? after : null,
      from: from || new Date(now - 7 * 86400000).toISOString(),
      to: to || new Date(Date.now() + 60000).toISOString(),
    });
    for (const who of data.accessEvents.subjects) people.set(who.key, who);
    await identify(data.unusualAccess.map((f) => f.subjectId));
    if (!append) {
      flagged = new Map();
      const list = document.getElementById("flags");
      list.replaceChildren();
      for (const f of data.unusualAccess) {
        for (const seq of f.events) flagged.set(seq, [...(flagged.get(seq) || []), f.kind]);
        list.append(h("li", {}, h("span.badge.warn", {}, pair(FLAGS[f.kind]) || f.kind), " ",
          whoCell(f.subjectId, people.get(f.subjectId)).map((n) => (n instanceof HTMLBRElement ? " " : n)),
          t(`：${f.count} 次，${when(f.firstTime)} 至 ${when(f.lastTime)}`,
            `: ${f.count} events, ${when(f.firstTime)} to ${when(f.lastTime)}`)));
      }
      if (!data.unusualAccess.length) {
        list.append(h("li", {}, t("所选时段没有异常访问提示。", "No unusual access in this period.")));
      }
    }
    for (const { node: e } of data.accessEvents.edges) {
      const flags = flagged.get(e.seq) || [];
      const ok = e.outcome === "ok";
      body.append(h(flags.length ? "tr.flagged" : "tr", { "data-seq": e.seq },
        h("td", { "data-label": t("时间", "Time") }, h("span.nowrap", {}, when(e.time))),
        h("td", { "data-label": t("访问者", "Who") }, whoCell(e.subjectId, people.get(e.subjectId))),
        h("td", { "data-label": t("用途", "Purpose") }, purposeLabel(e.purpose)),
        h("td", { "data-label": t("做了什么", "What was done") }, whatCell(e)),
        h("td", { "data-label": t("涉及儿童", "Children") }, childrenCell(e.children)),
        h("td", { "data-label": t("结果", "Outcome") }, h(ok ? "span.badge.ok" : "span.badge.bad", {},
          pair(WORDING.OUTCOMES[e.outcome]) || e.outcome)),
        h("td", { "data-label": t("提示", "Flags") }, flags.length
          ? flags.map((k) => h("span.badge.warn", {}, pair(FLAGS[k]) || k)) : "—")));
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
  await Promise.all([load(false).catch((error) => {
    status(error instanceof ApiError ? error.message : String(error), "error");
  }), chain]);
}
