// 儿童档案 A child's page: identity, current placement and plan, and the timeline of every
// fact from every department, newest first (a toggle for oldest first, kept in the URL),
// coloured and labelled by department, filterable by kind and by department, with gaps shown.
import { fmtDate, gql, h, masked, redactedSet, status, t } from "../core.js";
import {
  DEPARTMENTS, KINDS, departmentClass, departmentLabel, kindLabel, label,
} from "../labels.js";

// Fields of the same name but other types (grade, status, category) are aliased per kind:
// GraphQL refuses one response key with two shapes.
const QUERY = `query ConsoleChild($id: ID!) {
  child(id: $id) {
    id name sex birthDate age idNumber regionCode region { name }
    disabilityCategory disabilityGrade specialNeeds
    currentPlacement { placementType stage grade className startDate status organisation { name } }
    currentPlan { version date goals }
    certificates { guardianName guardianPhone }
    timeline {
      __typename id kind date schoolYear recordedBy
      ... on Placement { placementType stage grade startDate endDate endReason
                         schoolStatus: status organisation { name } }
      ... on ServiceSession { serviceKind hours provider content notes organisation { name } }
      ... on Assessment { assessmentKind recommendation summary }
      ... on Screening { result diagnosis institution }
      ... on DisabilityCertificate { disability: category level: grade numberMasked validUntil }
      ... on Plan { version goals current }
      ... on Transition { fromStage toStage fromType toType transitionStatus: status
                          receiving { name } }
      ... on DropoutCase { reason caseStatus: status closedOn resolution }
      ... on WelfareStatus { childCategory: category aidProgramme monthlyAid endDate }
      ... on DeviceFitting { device provider }
    }
  }
  recordOptions { kinds }
}`;
// Longer than the summer break (a July graduation and a September start is no gap).
const GAP_DAYS = 90;

function pair(dl, term, value) {
  dl.append(h("dt", {}, term), h("dd", {}, value ?? "—"));
}

function shown(redacted, path, value, render = (v) => v) {
  if (redacted.has(path)) return masked(value);
  return value === null || value === undefined || value === "" ? "—" : render(value);
}

function days(from, to) {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86400000);
}

/** What one fact says, in a line. */
function detail(f, path, redacted) {
  const m = (field, render) => shown(redacted, `${path}.${field}`, f[field], render);
  const org = f.organisation ? f.organisation.name : null;
  switch (f.__typename) {
    case "Placement":
      return [label("PlacementType", f.placementType), " · ", label("Stage", f.stage),
        f.grade ? ` · ${f.grade}` : "", org ? ` · ${org}` : "",
        ` · ${fmtDate(f.startDate)} – ${f.endDate ? fmtDate(f.endDate) : t("至今", "now")}`,
        f.endReason ? ` (${f.endReason})` : "",
        f.schoolStatus ? ` · ${label("SchoolStatus", f.schoolStatus)}` : ""];
    case "ServiceSession":
      return [label("ServiceKind", f.serviceKind), ` · ${f.hours ?? "—"} ${t("课时", "h")}`,
        org ? ` · ${org}` : "", f.provider ? ` · ${f.provider}` : "",
        f.content && f.content.length ? ` · ${f.content.map((c) => label("HomeDeliveryContent", c))
          .join("、")}` : "",
        f.notes ? ` · ${f.notes}` : ""];
    case "Assessment":
      return [label("AssessmentKind", f.assessmentKind), " · ", t("建议", "recommends "),
        label("PlacementType", f.recommendation), f.summary ? ` · ${f.summary}` : ""];
    case "Screening":
      return [label("ScreeningResult", f.result), " · ", t("诊断 ", "diagnosis "),
        m("diagnosis"), f.institution ? ` · ${f.institution}` : ""];
    case "DisabilityCertificate":
      return [label("DisabilityCategory", f.disability), ` · ${t("等级", "grade")} ${f.level ?? "—"}`,
        ` · ${f.numberMasked || ""}`, f.validUntil ? ` · ${t("有效期至", "valid until")} `
        + fmtDate(f.validUntil) : ""];
    case "Plan":
      return [`${t("第", "version ")}${f.version}${t(" 版", "")}`,
        f.current ? ` · ${t("现行", "current")}` : "", f.goals ? ` · ${f.goals}` : ""];
    case "Transition":
      return [label("Stage", f.fromStage), " → ", label("Stage", f.toStage), " · ",
        label("PlacementType", f.toType), " · ", label("TransitionStatus", f.transitionStatus),
        f.receiving ? ` · ${f.receiving.name}` : ""];
    case "DropoutCase":
      return [label("CaseStatus", f.caseStatus), f.reason ? ` · ${f.reason}` : "",
        f.resolution ? ` · ${f.resolution}` : ""];
    case "WelfareStatus":
      return [label("ChildCategory", f.childCategory), f.aidProgramme ? ` · ${f.aidProgramme}` : "",
        " · ", t("月救助 ", "monthly aid "), m("monthlyAid")];
    case "DeviceFitting":
      return [f.device || "", f.provider ? ` · ${f.provider}` : ""];
    default:
      return [];
  }
}

/** Where the placements leave the child without one: after a placement ended, nothing
 *  followed (or only much later). */
function gaps(timeline) {
  const placements = timeline.filter((f) => f.__typename === "Placement");
  const found = [];
  for (const p of placements) {
    if (!p.endDate) continue;
    const next = placements.filter((q) => q !== p && q.startDate && q.startDate >= p.endDate)
      .sort((a, b) => a.startDate.localeCompare(b.startDate))[0];
    if (!next) {
      found.push({ date: p.endDate, text: t(
        `${fmtDate(p.endDate)} 安置结束后没有任何后续安置记录。`,
        `The placement ended on ${fmtDate(p.endDate)} and no placement follows it.`) });
    } else if (days(p.endDate, next.startDate) > GAP_DAYS) {
      const n = days(p.endDate, next.startDate);
      found.push({ date: p.endDate, text: t(
        `${fmtDate(p.endDate)} 至 ${fmtDate(next.startDate)} 之间 ${n} 天没有安置。`,
        `${n} days without a placement, ${fmtDate(p.endDate)} to ${fmtDate(next.startDate)}.`) });
    }
  }
  return found;
}

export async function render() {
  const id = new URLSearchParams(location.search).get("id");
  const fresh = new URLSearchParams(location.search).get("new");
  if (!id) {
    status(t("缺少儿童 id。", "No child id given."), "error");
    return;
  }
  status(t("正在读取……", "Loading…"));
  let result;
  try {
    // Partial answers are shown: one field the hub cannot serve must not hide the record.
    result = await gql(QUERY, { id }, { partial: true });
  } catch (error) {
    const code = error.errors && error.errors[0].extensions?.code;
    status(code === "NOT_FOUND" ? t("未找到该儿童，或不在您的权限范围内。",
      "No such child, or not in your scope.") : error.message, "error");
    return;
  }
  const child = result.data.child;
  if (!child) {
    status(t("未找到该儿童，或不在您的权限范围内。", "No such child, or not in your scope."), "error");
    return;
  }
  const redacted = redactedSet(result.extensions);
  const problems = result.errors.map((e) => (e.path || []).join(".")).filter(Boolean);
  document.querySelector("h1").textContent = `${child.name || child.id} · `
    + t("儿童档案", "Child's record");
  document.title = `${child.name || child.id} · ${t("儿童档案", "Child's record")}`;

  const identity = document.getElementById("identity");
  pair(identity, t("姓名", "Name"), child.name);
  pair(identity, t("性别", "Sex"), child.sex === "F" ? t("女", "Female")
    : child.sex === "M" ? t("男", "Male") : "—");
  pair(identity, t("出生日期", "Born"), `${fmtDate(child.birthDate)}`
    + t(`（${child.age ?? "—"} 岁）`, ` (${child.age ?? "—"} years)`));
  pair(identity, t("身份证号", "ID number"), shown(redacted, "child.idNumber", child.idNumber));
  pair(identity, t("居住地", "Lives in"), `${child.region ? child.region.name : ""} ${child.regionCode || ""}`);
  pair(identity, t("残疾类别", "Disability"), `${label("DisabilityCategory", child.disabilityCategory)}`
    + (child.disabilityGrade ? ` · ${t("等级", "grade")} ${child.disabilityGrade}` : ""));
  pair(identity, t("特殊需要", "Special needs"),
    (child.specialNeeds || []).map((n) => label("SpecialNeed", n)).join("、") || "—");
  const cert = (child.certificates || [])[0];
  if (cert) {
    pair(identity, t("监护人", "Guardian"), shown(redacted, "child.certificates.0.guardianName",
      cert.guardianName));
    pair(identity, t("监护人电话", "Guardian's phone"),
      shown(redacted, "child.certificates.0.guardianPhone", cert.guardianPhone));
  }

  const placement = document.getElementById("placement");
  const p = child.currentPlacement;
  if (p) {
    pair(placement, t("安置方式", "Type"), label("PlacementType", p.placementType));
    pair(placement, t("学段 / 年级", "Stage / grade"), `${label("Stage", p.stage)} ${p.grade || ""}`);
    pair(placement, t("学校或机构", "School"), p.organisation ? p.organisation.name : "—");
    pair(placement, t("班级", "Class"), p.className);
    pair(placement, t("开始日期", "Since"), fmtDate(p.startDate));
    pair(placement, t("学籍状态", "Status"), label("SchoolStatus", p.status));
  } else {
    placement.append(h("p.badge.warn", {}, t("当前没有安置", "No current placement")));
  }
  const plan = document.getElementById("plan");
  if (child.currentPlan) {
    pair(plan, t("版本", "Version"), child.currentPlan.version);
    pair(plan, t("日期", "Date"), fmtDate(child.currentPlan.date));
    pair(plan, t("教育目标", "Goals"), child.currentPlan.goals);
  } else {
    plan.append(h("p", {}, t("没有现行计划（或您无权查看）。", "No current plan (or not visible to you).")));
  }
  // Offered only to whom may record a visit: a button that would be refused is not shown.
  const visit = document.getElementById("record-visit");
  visit.href = `/console/visit?child=${encodeURIComponent(id)}`;
  const may = result.data.recordOptions ? result.data.recordOptions.kinds : [];
  visit.closest("p").hidden = !may.includes("ServiceSession");

  // The timeline, with the gaps between placements in their place.
  const items = child.timeline.map((fact, i) => ({ fact, i, date: fact.date || "" }));
  for (const gap of gaps(child.timeline)) items.push({ gap, date: gap.date });
  items.sort((a, b) => a.date.localeCompare(b.date) || (a.gap ? 1 : 0) - (b.gap ? 1 : 0));
  const params = new URLSearchParams(location.search);
  let oldestFirst = params.get("order") === "oldest";
  if (!oldestFirst) items.reverse();
  const list = document.getElementById("timeline");
  // Grouped by school year (the API's schoolYear: one rule, hub/predicates.py): a heading
  // before each year's records, whichever way the list runs.
  let year;
  for (const item of items) {
    const itemYear = item.fact ? item.fact.schoolYear : year;
    if (itemYear !== undefined && itemYear !== null && itemYear !== year) {
      year = itemYear;
      list.append(h("li.year", { "data-kind": "year" }, h("h3", {},
        t(`${year}–${year + 1} 学年`, `School year ${year}–${year + 1}`))));
    }
    if (item.gap) {
      list.append(h("li.gap", { "data-kind": "gap" },
        h("span.when", {}, fmtDate(item.gap.date)),
        h("span.kind", {}, t("⚠ 安置空档", "⚠ Gap in placement")), item.gap.text));
      continue;
    }
    const f = item.fact;
    const dept = f.recordedBy || "";
    list.append(h(`li.${departmentClass(dept)}`, { "data-kind": f.kind, "data-dept": dept, id: `fact-${f.id}`,
      tabindex: "-1", class: `${departmentClass(dept)}${f.id === fresh ? " new" : ""}` },
      h("span.when", {}, fmtDate(f.date)),
      h("span.kind", {}, kindLabel(f.kind)),
      h(`span.badge.dept.${departmentClass(dept)}`, {}, departmentLabel(dept)),
      h("p.detail", {}, detail(f, `child.timeline.${item.i}`, redacted))));
  }

  // Filter by kind (the gaps stay: they are what the page is for).
  const counts = {};
  for (const f of child.timeline) counts[f.kind] = (counts[f.kind] || 0) + 1;
  const filter = document.getElementById("kind-filter");
  const countText = document.getElementById("timeline-count");
  const depts = document.getElementById("dept-filter");
  const update = () => {
    const on = new Set([...filter.querySelectorAll("input:checked")].map((c) => c.value));
    const from = new Set([...depts.querySelectorAll("input:checked")].map((c) => c.value));
    let visible = 0;
    for (const li of list.children) {
      const fixed = li.dataset.kind === "gap" || li.dataset.kind === "year";
      const hide = !fixed && (!on.has(li.dataset.kind) || !from.has(li.dataset.dept));
      li.hidden = hide;
      if (!hide && !fixed) visible += 1;
    }
    countText.textContent = t(`显示 ${visible} / ${child.timeline.length} 条记录。`,
      `${visible} of ${child.timeline.length} records shown.`);
  };
  for (const kind of Object.keys(KINDS).filter((k) => counts[k])) {
    const box = h("input", { type: "checkbox", value: kind, checked: true, id: `kind-${kind}` });
    box.addEventListener("change", update);
    filter.append(h("label", { for: `kind-${kind}` }, box, ` ${kindLabel(kind)}${t(`（${counts[kind]}）`, ` (${counts[kind]})`)}`));
  }
  const byDept = {};
  for (const f of child.timeline) byDept[f.recordedBy || ""] = (byDept[f.recordedBy || ""] || 0) + 1;
  for (const code of Object.keys(byDept).sort()) {
    const box = h("input", { type: "checkbox", value: code, checked: true, id: `dept-${code}` });
    box.addEventListener("change", update);
    depts.append(h("label", { for: `dept-${code}` }, box,
      ` ${departmentLabel(code)}${t(`（${byDept[code]}）`, ` (${byDept[code]})`)}`));
  }
  const toggle = document.getElementById("order-toggle");
  const showOrder = () => {
    toggle.textContent = oldestFirst ? t("改为新在前", "Show newest first")
      : t("改为旧在前", "Show oldest first");
    toggle.setAttribute("aria-pressed", oldestFirst ? "true" : "false");
    document.getElementById("timeline-heading").textContent = oldestFirst
      ? t("时间线：各部门全部记录（旧在前）", "Timeline: every record from every department, oldest first")
      : t("时间线：各部门全部记录（新在前）", "Timeline: every record from every department, newest first");
  };
  toggle.addEventListener("click", () => {
    oldestFirst = !oldestFirst;
    // Years in the other order, each still under its heading, its records reversed.
    const groups = [];
    for (const li of list.children) {
      if (li.dataset.kind === "year" || !groups.length) groups.push([]);
      groups[groups.length - 1].push(li);
    }
    list.append(...groups.reverse().flatMap(([first, ...rest]) => (first.dataset.kind === "year"
      ? [first, ...rest.reverse()] : [...rest.reverse(), first])));
    const url = new URLSearchParams(location.search);
    if (oldestFirst) url.set("order", "oldest"); else url.delete("order");
    history.replaceState(null, "", "?" + url.toString());
    showOrder();
  });
  showOrder();
  const legend = document.getElementById("legend");
  for (const code of ["EDU", "HEALTH", "CIVIL", "DPF"]) {
    legend.append(h("li", {}, h(`span.badge.dept.dept-${code}`, {}, t(DEPARTMENTS[code][0],
      DEPARTMENTS[code][1]))));
  }
  update();
  document.getElementById("child-view").hidden = false;
  status(problems.length ? t(`部分内容未能读取：${problems.join("、")}`,
    `Some fields could not be read: ${problems.join(", ")}`) : "", problems.length ? "error" : "");
  if (fresh) {
    const added = document.getElementById(`fact-${fresh}`);
    if (added) {
      status(t("已保存，新记录已在时间线中标出。", "Saved: the new record is highlighted below."),
        "success");
      added.scrollIntoView({ block: "center" });
      added.focus();
    }
  }
}
