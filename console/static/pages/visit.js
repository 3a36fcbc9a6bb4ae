// 记录送教上门或巡回指导 Record a visit: checked here first (messages in Chinese next to each
// field), then by the hub (its errors name the field too); the draft is kept in sessionStorage,
// so a failed submit or a reload loses nothing, and one idempotency key per draft makes a retry
// after a lost answer write nothing twice.
import { ApiError, gql, h, status, t } from "../core.js";

const CHILD = `query ConsoleVisitChild($id: ID!) {
  child(id: $id) { id name currentPlacement { organisation { id name } } } }`;
const SAVE = `mutation ConsoleRecordVisit($input: RecordServiceSessionInput!, $key: String) {
  recordServiceSession(input: $input, idempotencyKey: $key) { id date child { id } } }`;
const FIELDS = ["kind", "date", "hours", "organisation", "provider", "content", "notes"];
const SERVER_FIELD = { organisationId: "organisation", childId: null };

function today() {
  const now = new Date();
  const local = new Date(now.getTime() - now.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 10);
}

function newKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return "console-" + [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function organisations(ids) {
  if (!ids.length) return [];
  const vars = ids.map((_, i) => `$o${i}: ID!`).join(", ");
  const fields = ids.map((_, i) => `o${i}: node(id: $o${i}) { id ... on Organisation { name } }`);
  const values = Object.fromEntries(ids.map((id, i) => [`o${i}`, id]));
  const { data } = await gql(`query ConsoleOrgs(${vars}) { ${fields.join(" ")} }`, values,
    { partial: true });
  return ids.map((id, i) => ({ id, name: (data && data[`o${i}`] && data[`o${i}`].name) || id }));
}

export async function render({ who }) {
  const childId = new URLSearchParams(location.search).get("child");
  if (!childId) {
    status(t("缺少儿童 id：请从儿童档案进入。", "No child given: open this from a child's record."),
      "error");
    return;
  }
  const form = document.getElementById("visit-form");
  const draftKey = `hub.console.visit.${childId}`;
  const back = `/console/child?id=${encodeURIComponent(childId)}`;
  document.getElementById("back-to-child").href = back;

  const { data } = await gql(CHILD, { id: childId });
  const child = data.child;
  document.getElementById("visit-child").replaceChildren(
    t("儿童：", "Child: "), h("a", { href: back }, child.name || child.id));

  const select = document.getElementById("organisation");
  const ids = [...(who.organisations || [])];
  const school = child.currentPlacement && child.currentPlacement.organisation;
  if (school && !ids.includes(school.id)) ids.push(school.id);
  select.append(h("option", { value: "" }, t("请选择", "Choose")));
  for (const org of await organisations(ids)) {
    select.append(h("option", { value: org.id }, org.name));
  }

  // The draft: restored first, saved on every change.
  const draft = JSON.parse(sessionStorage.getItem(draftKey) || "null")
    || { values: { date: today(), organisation: (who.organisations || [])[0] || "" }, key: newKey() };
  for (const [name, value] of Object.entries(draft.values)) {
    if (name === "kind") {
      for (const radio of form.querySelectorAll("input[name=kind]")) radio.checked = radio.value === value;
    } else if (form.elements[name]) form.elements[name].value = value;
  }
  const save = () => {
    draft.values = Object.fromEntries(FIELDS.map((name) => [name,
      name === "kind" ? (form.querySelector("input[name=kind]:checked") || {}).value || ""
        : form.elements[name].value]));
    sessionStorage.setItem(draftKey, JSON.stringify(draft));
  };
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  document.getElementById("date").max = today();

  const summary = document.getElementById("error-summary");
  const list = document.getElementById("error-list");
  function showErrors(errors) {
    list.replaceChildren();
    for (const name of FIELDS) {
      const box = document.getElementById(`${name}-error`);
      box.textContent = errors[name] || "";
      const inputs = name === "kind" ? [...form.querySelectorAll("input[name=kind]")]
        : [form.elements[name]];
      for (const input of inputs) {
        if (errors[name]) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      }
    }
    for (const [name, message] of Object.entries(errors)) {
      const target = name === "kind" ? form.querySelector("input[name=kind]") : form.elements[name];
      const link = h("a", { href: `#${target ? target.id || name : ""}` }, message);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        if (target) target.focus();
      });
      list.append(h("li", {}, link));
    }
    summary.hidden = !Object.keys(errors).length;
    if (!summary.hidden) summary.focus();
  }

  function check() {
    const v = draft.values;
    const errors = {};
    if (!v.kind) errors.kind = t("请选择服务类型。", "Choose the kind of visit.");
    if (!v.date) errors.date = t("请填写服务日期。", "Enter the date of the visit.");
    else if (!/^\d{4}-\d{2}-\d{2}$/.test(v.date)) errors.date = t("日期格式应为 年-月-日。", "Write the date as YYYY-MM-DD.");
    else if (v.date > today()) errors.date = t("服务日期不能晚于今天。", "The date cannot be in the future.");
    const hours = Number(v.hours);
    if (v.hours === "") errors.hours = t("请填写课时。", "Enter the hours.");
    else if (!(hours > 0 && hours <= 8)) errors.hours = t("课时应大于 0 且不超过 8。", "Hours must be more than 0 and at most 8.");
    if (!v.organisation) errors.organisation = t("请选择服务机构。", "Choose the delivering organisation.");
    if (v.provider.length > 200) errors.provider = t("服务人员不超过 200 字。", "At most 200 characters.");
    const lines = v.content.split("\n").map((s) => s.trim()).filter(Boolean);
    if (lines.length > 20) errors.content = t("服务内容至多 20 项。", "At most 20 items.");
    else if (lines.some((s) => s.length > 200)) errors.content = t("每项服务内容不超过 200 字。", "Each item at most 200 characters.");
    return errors;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save();
    const errors = check();
    showErrors(errors);
    if (Object.keys(errors).length) {
      status(t("请更正标出的内容后再保存。", "Correct the marked fields, then save."), "error");
      return;
    }
    const v = draft.values;
    const input = {
      childId, kind: v.kind, date: v.date, hours: Number(v.hours), organisationId: v.organisation,
      content: v.content.split("\n").map((s) => s.trim()).filter(Boolean),
      provider: v.provider.trim() || null, notes: v.notes.trim() || null,
    };
    const button = document.getElementById("save");
    button.disabled = true;
    status(t("正在保存……", "Saving…"));
    try {
      const { data: saved } = await gql(SAVE, { input, key: draft.key });
      sessionStorage.removeItem(draftKey);
      location.assign(`${back}&new=${encodeURIComponent(saved.recordServiceSession.id)}`);
    } catch (error) {
      button.disabled = false;
      const server = {};
      for (const e of error instanceof ApiError ? error.errors : []) {
        const field = e.extensions && e.extensions.field;
        const name = field in SERVER_FIELD ? SERVER_FIELD[field] : field;
        if (name && FIELDS.includes(name)) server[name] = e.message;
      }
      showErrors(server);
      status(t("未能保存：", "Not saved: ") + error.message + t("（已填写的内容已保留）",
        " (what you entered is kept)"), "error");
    }
  });
}
