// 查找儿童 Find children in scope: any part of the name, its pinyin or initials, the last four
// characters of the ID number, the whole ID number (only where the role and purpose show it),
// or a school. The hub says which of these this person may use now (searchOptions): no other
// field is offered.
import { ApiError, PURPOSES, gql, h, masked, redactedSet, status, t } from "../core.js";
import { label } from "../labels.js";

const NODE = `id name sex age idNumber
  currentPlacement { placementType stage organisation { name } }`;
const SEARCH = `query ConsoleSearch($filter: ChildFilterInput, $after: String) {
  children(filter: $filter, first: 20, after: $after) {
    totalCount edges { node { ${NODE} } } pageInfo { hasNextPage endCursor } } }`;
const BY_ID = `query ConsoleChildById($n: String!) { childByIdNumber(idNumber: $n) { ${NODE} } }`;
const START = `query ConsoleSearchStart($r: String!) {
  searchOptions { byName byIdNumberEnd byIdNumber idNumberPurposes }
  schools(region: $r) { id name } }`;

const ID_END = /^\d{3}[\dXx]$/;
const WHOLE_ID = /^\d{17}[\dXx]$/;

function cell(heading, ...content) {
  return h("td", { "data-label": heading }, ...content);
}

function row(child, redacted, path) {
  const placement = child.currentPlacement;
  const id = redacted.has(path + ".idNumber") ? masked(child.idNumber) : (child.idNumber || "—");
  return h("tr", {},
    cell(t("姓名", "Name"), h("a", { href: `/console/child?id=${encodeURIComponent(child.id)}` },
      child.name || child.id)),
    cell(t("身份证号", "ID number"), id),
    cell(t("性别", "Sex"), child.sex === "F" ? t("女", "F") : child.sex === "M" ? t("男", "M")
      : "—"),
    h("td.num", { "data-label": t("年龄", "Age") }, child.age ?? "—"),
    cell(t("当前安置", "Current placement"), placement
      ? `${label("PlacementType", placement.placementType)} · ${label("Stage", placement.stage)}`
      : t("无当前安置", "No current placement")),
    cell(t("学校或机构", "School or institution"),
      placement && placement.organisation ? placement.organisation.name : "—"));
}

function purposeName(code) {
  const found = PURPOSES.find(([value]) => value === code);
  return found ? t(found[1], found[2]) : code;
}

export async function render({ who }) {
  const form = document.getElementById("search-form");
  const table = document.getElementById("results");
  const body = table.querySelector("tbody");
  const count = document.getElementById("results-count");
  const empty = document.getElementById("results-empty");
  const more = document.getElementById("more");
  const text = document.getElementById("q-text");
  const textError = document.getElementById("q-text-error");
  const idField = document.getElementById("q-id-field");
  const idInput = document.getElementById("q-id");
  const idError = document.getElementById("q-id-error");
  const school = document.getElementById("q-school");
  const params = new URLSearchParams(location.search);
  text.value = params.get("q") || params.get("name") || "";
  let after = null;
  let options = { byName: true, byIdNumberEnd: true, byIdNumber: false, idNumberPurposes: [] };

  try {
    const { data } = await gql(START, { r: who.region });
    options = data.searchOptions;
    for (const s of data.schools) school.append(h("option", { value: s.id }, s.name));
    school.value = params.get("school") || "";
  } catch { /* the form keeps name search and "all schools"; the search says what fails */ }
  idField.hidden = !options.byIdNumber;
  if (!options.byIdNumber && options.idNumberPurposes.length) {
    const hint = document.getElementById("id-purpose-hint");
    const names = options.idNumberPurposes.map(purposeName).join(t("、", ", "));
    hint.textContent = t(`按完整身份证号查找：请在页首把用途改为 ${names}。`,
      `To search by the whole ID number, choose the purpose ${names} at the top.`);
    hint.hidden = false;
  }
  if (!options.byIdNumberEnd) {
    document.querySelector("label[for=q-text]").textContent = t("姓名或拼音", "Name or pinyin");
  }

  function fieldError(input, box, message) {
    box.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }

  function clearResults() {
    body.replaceChildren();
    count.textContent = "";
    empty.hidden = true;
    table.hidden = false;
    more.hidden = true;
  }

  /** No child found: say so, and what else to try. */
  function nothing(message) {
    table.hidden = true;
    count.textContent = "";
    document.getElementById("results-empty-text").textContent = message;
    const tips = [t("名字中的任一字，如“妍”；或拼音，如 chenyan；或首字母，如 cy", "Any character of the name, e.g. 妍; its pinyin, e.g. chenyan; or initials, e.g. cy")];
    if (options.byIdNumberEnd) tips.push(t("身份证号后四位，如 1234", "The last four ID characters, e.g. 1234"));
    if (school.value) tips.push(t("选择“全部学校”", "Choose “All schools”"));
    tips.push(t("只能找到您权限范围内的儿童", "Only children in your scope can be found"));
    document.getElementById("results-empty-tips").replaceChildren(
      ...tips.map((tip) => h("li", {}, tip)));
    empty.hidden = false;
  }

  async function byWholeId(number) {
    try {
      const { data, extensions } = await gql(BY_ID, { n: number });
      body.append(row(data.childByIdNumber, redactedSet(extensions), "childByIdNumber"));
      count.textContent = t("找到 1 名儿童。", "1 child found.");
    } catch (error) {
      const code = error instanceof ApiError ? error.errors[0].extensions?.code : "";
      if (code === "NOT_FOUND") {
        nothing(t("您权限范围内没有这个身份证号的儿童。", "No child with this ID number in your scope."));
      } else {
        fieldError(idInput, idError, code === "FORBIDDEN"
          ? t("您的角色在当前用途下不能按身份证号查找。", "Your role may not search by ID number for this purpose.")
          : error.message);
      }
    }
  }

  async function search(append) {
    for (const [input, box] of [[text, textError], [idInput, idError]]) {
      box.textContent = "";
      input.removeAttribute("aria-invalid");
    }
    const term = text.value.trim();
    const number = options.byIdNumber ? idInput.value.trim().toUpperCase() : "";
    if (!append) {
      clearResults(); // an old count never stays above a new answer, or a refusal
      history.replaceState(null, "", "?" + new URLSearchParams(
        Object.entries({ q: term, school: school.value }).filter(([, v]) => v)).toString());
    }
    if (number) {
      if (!WHOLE_ID.test(number)) {
        fieldError(idInput, idError, t("身份证号应为 18 位（最后一位可为 X）。",
          "An ID number has 18 characters (the last may be X)."));
        return;
      }
      status(t("正在查询……", "Searching…"));
      await byWholeId(number);
      status("");
      return;
    }
    const filter = {};
    if (ID_END.test(term) && options.byIdNumberEnd) filter.idNumberEnd = term.toUpperCase();
    else if (/^[\dXx]+$/.test(term) && term.length > 4) {
      fieldError(text, textError, options.byIdNumber
        ? t("按身份证号查找请输入后四位，或在“完整身份证号”中输入 18 位。", "Type the last four ID characters, or all 18 under “Whole resident ID number”.")
        : t("按身份证号查找只能输入后四位。", "Only the last four ID characters can be searched."));
      return;
    } else if (term) filter.text = term;
    if (school.value) filter.organisationId = school.value;
    status(t("正在查询……", "Searching…"));
    let answer;
    try {
      answer = await gql(SEARCH, { filter, after: append ? after : null });
    } catch (error) {
      clearResults();
      const field = error instanceof ApiError ? error.errors[0].extensions?.field : "";
      status("");
      if (field) fieldError(text, textError, error.message);
      else status(error.message, "error");
      return;
    }
    const { data, extensions } = answer;
    const redacted = redactedSet(extensions);
    const start = body.children.length;
    data.children.edges.forEach((edge, i) => {
      body.append(row(edge.node, redacted, `children.edges.${i}.node`));
    });
    const total = data.children.totalCount;
    if (total === 0) {
      nothing(term ? t(`您权限范围内没有与“${term}”相符的儿童。`, `No child in your scope matches “${term}”.`)
        : t("您权限范围内没有儿童。", "No child in your scope."));
    } else {
      const shown = body.children.length;
      count.textContent = t(`共 ${total} 名儿童，显示 ${shown} 名。`, `${total} children; ${shown} shown.`);
    }
    after = data.children.pageInfo.endCursor;
    more.hidden = !data.children.pageInfo.hasNextPage;
    status("");
    if (append && body.children[start]) body.children[start].querySelector("a").focus();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    search(false).catch((error) => status(error.message, "error"));
  });
  more.addEventListener("click", () => search(true).catch((e) => status(e.message, "error")));
  await search(false);
}
