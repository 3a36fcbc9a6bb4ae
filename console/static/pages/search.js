// 查找儿童 Find children in scope by name, resident ID number or school.
import { ApiError, gql, h, masked, redactedSet, status, t } from "../core.js";
import { label } from "../labels.js";

const NODE = `id name sex age idNumber
  currentPlacement { placementType stage organisation { name } }`;
const SEARCH = `query ConsoleSearch($filter: ChildFilterInput, $after: String) {
  children(filter: $filter, first: 20, after: $after) {
    totalCount edges { node { ${NODE} } } pageInfo { hasNextPage endCursor } } }`;
const BY_ID = `query ConsoleChildById($n: String!) { childByIdNumber(idNumber: $n) { ${NODE} } }`;
const SCHOOLS = `query ConsoleSchools($r: String!) { schools(region: $r) { id name } }`;

function row(child, redacted, path) {
  const placement = child.currentPlacement;
  const id = redacted.has(path + ".idNumber") ? masked(child.idNumber) : (child.idNumber || "—");
  return h("tr", {},
    h("td", {}, h("a", { href: `/console/child?id=${encodeURIComponent(child.id)}` },
      child.name || child.id)),
    h("td", {}, id),
    h("td", {}, child.sex === "F" ? t("女", "F") : child.sex === "M" ? t("男", "M") : "—"),
    h("td.num", {}, child.age ?? "—"),
    h("td", {}, placement ? `${label("PlacementType", placement.placementType)} · `
      + label("Stage", placement.stage) : t("无当前安置", "No current placement")),
    h("td", {}, placement && placement.organisation ? placement.organisation.name : "—"));
}

export async function render({ who }) {
  const form = document.getElementById("search-form");
  const body = document.querySelector("#results tbody");
  const count = document.getElementById("results-count");
  const more = document.getElementById("more");
  const idInput = document.getElementById("q-id");
  const idError = document.getElementById("q-id-error");
  const school = document.getElementById("q-school");
  const params = new URLSearchParams(location.search);
  document.getElementById("q-name").value = params.get("name") || "";
  let after = null;

  const schools = gql(SCHOOLS, { r: who.region }).then(({ data }) => {
    for (const s of data.schools) school.append(h("option", { value: s.id }, s.name));
    school.value = params.get("school") || "";
  }).catch(() => {}); // the select keeps "all schools"

  async function search(append) {
    idError.textContent = "";
    idInput.removeAttribute("aria-invalid");
    const name = document.getElementById("q-name").value.trim();
    const number = idInput.value.trim().toUpperCase();
    if (!append) {
      body.replaceChildren();
      history.replaceState(null, "", "?" + new URLSearchParams(
        Object.entries({ name, school: school.value }).filter(([, v]) => v)).toString());
    }
    status(t("正在查询……", "Searching…"));
    if (number) {
      if (!/^\d{17}[\dX]$/.test(number)) {
        idError.textContent = t("身份证号应为 18 位(最后一位可为 X)。",
          "An ID number has 18 characters (the last may be X).");
        idInput.setAttribute("aria-invalid", "true");
        idInput.focus();
        status("");
        return;
      }
      try {
        const { data, extensions } = await gql(BY_ID, { n: number });
        body.append(row(data.childByIdNumber, redactedSet(extensions), "childByIdNumber"));
        count.textContent = t("找到 1 名儿童。", "1 child found.");
      } catch (error) {
        const code = error instanceof ApiError ? error.errors[0].extensions?.code : "";
        if (code === "NOT_FOUND") {
          count.textContent = t("未找到该身份证号对应的儿童(或不在您的权限范围内)。",
            "No child with this ID number in your scope.");
        } else {
          idError.textContent = code === "FORBIDDEN"
            ? t("您的角色在当前用途下不能按身份证号查找。", "Your role may not search by ID "
              + "number for this purpose.") : error.message;
          idInput.setAttribute("aria-invalid", "true");
          count.textContent = "";
        }
      }
      more.hidden = true;
      status("");
      return;
    }
    const filter = {};
    if (name) filter.name = name;
    if (school.value) filter.organisationId = school.value;
    const { data, extensions } = await gql(SEARCH, { filter, after: append ? after : null });
    const redacted = redactedSet(extensions);
    data.children.edges.forEach((edge, i) => {
      body.append(row(edge.node, redacted, `children.edges.${i}.node`));
    });
    const shown = body.children.length;
    count.textContent = t(`共 ${data.children.totalCount} 名儿童,显示 ${shown} 名。`,
      `${data.children.totalCount} children; ${shown} shown.`);
    after = data.children.pageInfo.endCursor;
    more.hidden = !data.children.pageInfo.hasNextPage;
    status("");
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    search(false).catch((error) => status(error.message, "error"));
  });
  more.addEventListener("click", () => search(true).catch((e) => status(e.message, "error")));
  await schools;
  await search(false);
}
