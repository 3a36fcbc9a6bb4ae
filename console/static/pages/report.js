// 儿童访问报告 Who accessed a child's record, when and why: ready to print for a guardian.
import { gql, h, status, t } from "../core.js";

const QUERY = `query ConsoleChildReport($id: ID!) {
  childAccessReport(childId: $id) { childId generatedAt summary
    entries { time department departmentName subjectId subjectKind purpose purposeText action
              fields text } } }`;

export async function render() {
  const id = new URLSearchParams(location.search).get("child");
  document.getElementById("print").addEventListener("click", () => window.print());
  if (!id) {
    status(t("缺少儿童 id。", "No child id given."), "error");
    return;
  }
  status(t("正在生成报告……", "Writing the report…"));
  const { data } = await gql(QUERY, { id });
  const report = data.childAccessReport;
  const head = document.getElementById("report-head");
  head.append(h("dt", {}, t("儿童 id", "Child id")), h("dd", {}, report.childId),
    h("dt", {}, t("生成时间", "Generated")), h("dd", {}, new Date(report.generatedAt)
      .toLocaleString(t("zh-CN", "en-GB"), { hour12: false })));
  document.getElementById("report-summary").textContent = report.summary;
  const body = document.querySelector("#report-table tbody");
  for (const e of report.entries) {
    body.append(h("tr", {},
      h("td.nowrap", {}, e.time.replace("T", " ")), h("td", {}, e.departmentName),
      h("td", {}, e.subjectId || "—", h("br"), h("span.hint", {}, e.subjectKind)),
      h("td", {}, e.purposeText), h("td", {}, e.action),
      h("td", {}, (e.fields || []).join("、") || "—")));
  }
  if (!report.entries.length) {
    body.append(h("tr", {}, h("td", { colspan: 6 }, t("没有访问记录。", "No accesses recorded."))));
  }
  document.getElementById("report-view").hidden = false;
  status("");
}
