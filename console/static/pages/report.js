// 给监护人的访问说明 The child's access report as a letter a family can read: in the page's one
// language, a summary (who, how often, over which days), then what each organisation did and
// why; one date format; prints on few pages.
import { ApiError, gql, h, lang, status, t } from "../core.js";

const QUERY = `query ConsoleChildLetter($id: ID!, $language: String!) {
  childAccessLetter(childId: $id, language: $language) { childName birthDate generatedOn total
    organisations first last summary groups { organisation count first last text } } }`;

function span(first, last) {
  return first === last ? first : t(`${first} 至 ${last}`, `${first} to ${last}`);
}

export async function render() {
  const id = new URLSearchParams(location.search).get("child");
  document.getElementById("print").addEventListener("click", () => window.print());
  const missing = document.getElementById("report-missing");
  if (!id) {
    missing.textContent = t("没有指定儿童：请从访问日志按姓名查找。", "No child given: find the child by name on the access log.");
    missing.hidden = false;
    return;
  }
  status(t("正在生成说明……", "Writing the letter…"));
  let letter;
  try {
    letter = (await gql(QUERY, { id, language: lang() })).data.childAccessLetter;
  } catch (error) {
    status("");
    const code = error instanceof ApiError ? error.errors[0].extensions?.code : "";
    missing.textContent = code === "NOT_FOUND"
      ? t("没有这个儿童：请回到访问日志，按姓名查找。", "There is no such child: go back to the access log and find the child by name.")
      : error.message;
    missing.hidden = false;
    return;
  }
  const name = letter.childName || t("该儿童", "this child");
  document.getElementById("letter-title").textContent = t(`谁访问过${name}的信息`, `Who accessed ${name}'s information`);
  document.getElementById("letter-child").append(
    h("dt", {}, t("儿童", "Child")), h("dd", {}, name),
    h("dt", {}, t("出生日期", "Born")), h("dd", {}, letter.birthDate || "—"),
    h("dt", {}, t("时间范围", "Period")), h("dd", {}, letter.first ? span(letter.first, letter.last) : "—"),
    h("dt", {}, t("说明日期", "Written on")), h("dd", {}, letter.generatedOn));
  document.getElementById("letter-summary").textContent = letter.summary;
  const orgs = new Map();
  for (const g of letter.groups) {
    const o = orgs.get(g.organisation) || { count: 0, first: g.first, last: g.last, lines: [] };
    o.count += g.count;
    o.first = g.first < o.first ? g.first : o.first;
    o.last = g.last > o.last ? g.last : o.last;
    o.lines.push(g.text);
    orgs.set(g.organisation, o);
  }
  const table = document.getElementById("letter-orgs");
  if (!orgs.size) table.hidden = true;
  for (const [org, o] of orgs) {
    table.tBodies[0].append(h("tr", {}, h("td", {}, org), h("td.num", {}, o.count),
      h("td.nowrap", {}, o.first), h("td.nowrap", {}, o.last)));
  }
  const detail = document.getElementById("letter-groups");
  for (const [org, o] of orgs) {
    detail.append(h("section.letter-org", {}, h("h4", {}, org),
      h("ul", {}, o.lines.map((line) => h("li", {}, line + t("。", "."))))));
  }
  if (!orgs.size) detail.closest("section").hidden = true;
  document.getElementById("letter").hidden = false;
  status("");
}
