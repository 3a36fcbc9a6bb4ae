// 控制台入口 The console's entry: the header (navigation by role, purpose of use, language,
// sign-out), then the page's own module, named by <body data-page>.
import {
  PURPOSES, TOKEN_KEY, applyLanguage, finishSignIn, gql, h, lang, purpose, requireSignIn,
  setLang, setPurpose, signOut, status, t,
} from "./core.js";
import { departmentLabel } from "./labels.js";
import { VOCAB } from "./vocab.js";

const ROLE_NAMES = {
  "school-staff": ["学校教师", "School staff"],
  "resource-centre-staff": ["资源中心教师", "Resource-centre staff"],
  "rehab-staff": ["康复机构人员", "Rehabilitation staff"],
  "welfare-staff": ["福利机构人员", "Welfare staff"],
  supervisor: ["督导人员", "Supervisor"],
  auditor: ["审计人员", "Auditor"],
  "edu-officer": ["教育局业务人员", "Education officer"],
  "health-officer": ["卫健委业务人员", "Health officer"],
  "civil-officer": ["民政局业务人员", "Civil-affairs officer"],
  "dpf-officer": ["残联业务人员", "DPF officer"],
};

export function roleName(role) {
  const name = ROLE_NAMES[role];
  return name ? t(name[0], name[1]) : role;
}

/** The purposes this person may declare, asked once per token (kept for the session). */
async function allowedPurposes() {
  const key = `hub.console.purposes.${(sessionStorage.getItem(TOKEN_KEY) || "").slice(-16)}`;
  const kept = sessionStorage.getItem(key);
  if (kept) return JSON.parse(kept);
  try {
    const { data } = await gql("query ConsolePurposes { purposeOptions { purposes } }");
    sessionStorage.setItem(key, JSON.stringify(data.purposeOptions.purposes));
    return data.purposeOptions.purposes;
  } catch {
    return []; // offered all, as before: each page says so if a purpose is refused
  }
}

function header(who, allowed) {
  const roles = who.roles || [];
  const seesChildren = roles.some((r) => r !== "auditor" && r !== "figures");
  const nav = document.querySelector(".mainnav");
  const show = { search: seesChildren, indicators: roles.some((r) => r !== "auditor"),
    audit: roles.includes("auditor") };
  for (const link of nav.querySelectorAll("a[data-nav]")) {
    link.parentElement.hidden = !show[link.dataset.nav];
  }
  nav.hidden = false;
  const select = document.getElementById("purpose");
  // Only the purposes this person's roles may declare (purposeOptions; all, if it is unknown).
  const offered = PURPOSES.filter(([code]) => !allowed.length || allowed.includes(code));
  if (allowed.length && !allowed.includes(purpose())) setPurpose(allowed[0]);
  for (const [code, zh, en] of offered) {
    select.append(h("option", { value: code, selected: code === purpose() }, t(zh, en)));
  }
  select.addEventListener("change", () => { setPurpose(select.value); location.reload(); });
  document.getElementById("who").textContent =
    `${departmentLabel(who.department)} · ${roles.map(roleName).join(t("、", ", "))}`;
  document.getElementById("sign-out").addEventListener("click", signOut);
  document.querySelector(".session").hidden = false;
}

async function main() {
  applyLanguage();
  document.getElementById("lang-toggle").addEventListener("click", () => {
    setLang(lang() === "en" ? "zh" : "en");
    location.reload(); // every text, static and drawn from data, in the other language
  });
  const page = document.body.dataset.page;
  if (page === "callback") {
    try {
      status(t("正在登录……", "Signing in…"));
      await finishSignIn();
    } catch (error) {
      status(error.message, "error");
    }
    return;
  }
  const who = await requireSignIn();
  // An auditor sees no child's record: the access log is where the work starts.
  const roles = who.roles || [];
  if (page === "search" && roles.length && roles.every((r) => r === "auditor")) {
    location.replace("/console/audit");
    return;
  }
  header(who, await allowedPurposes());
  const module = await import(`./pages/${page}.js`);
  try {
    await module.render({ who, vocab: VOCAB });
  } catch (error) {
    status(t("出错了：", "Something went wrong: ") + error.message, "error");
    throw error;
  }
  // For the browser tests: the page has drawn its data, this long after navigation began.
  document.body.dataset.readyMs = String(Math.round(performance.now()));
  document.body.dataset.ready = "true";
}

main();
