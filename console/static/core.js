// 控制台核心 The console's core: language, sign-in (authorization code + PKCE), and /graphql.
// The token lives in sessionStorage (gone when the tab closes) and is sent only to this origin.

const LANG_KEY = "hub.console.lang";
export const TOKEN_KEY = "hub.console.token";
const PKCE_KEY = "hub.console.pkce";
const PURPOSE_KEY = "hub.console.purpose";

// --- language -------------------------------------------------------------------------------

export function lang() {
  return localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";
}

export function setLang(value) {
  localStorage.setItem(LANG_KEY, value === "en" ? "en" : "zh");
}

/** The text in the current language: t("中文", "English"). */
export function t(zh, en) {
  return lang() === "en" && en ? en : zh;
}

/** Static markup carries Chinese text and its English in data-i18n-en (aria labels in
 *  data-i18n-en-label); this swaps them to the current language. */
export function applyLanguage(root = document) {
  const en = lang() === "en";
  document.documentElement.lang = en ? "en" : "zh-CN";
  for (const el of root.querySelectorAll("[data-i18n-en]")) {
    if (!el.hasAttribute("data-i18n-zh")) el.setAttribute("data-i18n-zh", el.textContent);
    el.textContent = en ? el.getAttribute("data-i18n-en") : el.getAttribute("data-i18n-zh");
  }
  for (const el of root.querySelectorAll("[data-i18n-en-label]")) {
    if (!el.hasAttribute("data-i18n-zh-label")) {
      el.setAttribute("data-i18n-zh-label", el.getAttribute("aria-label") || "");
    }
    el.setAttribute("aria-label", en ? el.getAttribute("data-i18n-en-label")
      : el.getAttribute("data-i18n-zh-label"));
  }
  for (const el of root.querySelectorAll("[data-i18n-en-placeholder]")) {
    if (!el.hasAttribute("data-i18n-zh-placeholder")) {
      el.setAttribute("data-i18n-zh-placeholder", el.getAttribute("placeholder") || "");
    }
    el.setAttribute("placeholder", en ? el.getAttribute("data-i18n-en-placeholder")
      : el.getAttribute("data-i18n-zh-placeholder"));
  }
  const toggle = document.getElementById("lang-toggle");
  if (toggle) {
    toggle.textContent = en ? "中文" : "English";
    toggle.lang = en ? "zh-CN" : "en";
    toggle.setAttribute("aria-pressed", en ? "true" : "false");
    toggle.setAttribute("aria-label", en ? "切换到中文 Switch to Chinese" : "Switch to English 切换到英文");
  }
}

// --- small DOM helpers ------------------------------------------------------------------------

/** h("tag.class", {attr: value}, ...children): elements without innerHTML, so data is text. */
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const el = document.createElement(tag);
  if (classes.length) el.className = classes.join(" ");
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function status(message, kind = "") {
  const box = document.getElementById("status");
  if (!box) return;
  box.className = "status" + (kind ? " " + kind : "");
  box.textContent = message || "";
}

/** A masked value as masked: the badge says so, and screen readers hear it. */
export function masked(shown) {
  return h("span", {},
    shown ? h("span", { class: "masked-value" }, shown + " ") : null,
    h("span.badge.masked", { title: t("按访问策略脱敏", "Hidden by the access policy") },
      t("已脱敏", "masked") + " (" + t("masked", "已脱敏") + ")"));
}

export function fmtDate(value) {
  return value ? String(value).slice(0, 10) : "—";
}

// --- sign-in: authorization code with PKCE (S256) ----------------------------------------------

function b64url(bytes) {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function sha256(text) {
  const data = new TextEncoder().encode(text);
  if (globalThis.crypto && crypto.subtle) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  }
  const { sha256Bytes } = await import("./sha256.js"); // plain-http intranet: no crypto.subtle
  return sha256Bytes(data);
}

function random(n) {
  const bytes = new Uint8Array(n);
  crypto.getRandomValues(bytes);
  return b64url(bytes);
}

export async function signIn(returnTo = location.pathname + location.search) {
  const verifier = random(48);
  const state = random(16);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, returnTo }));
  const challenge = b64url(await sha256(verifier));
  const params = new URLSearchParams({
    response_type: "code", client_id: "console",
    redirect_uri: location.origin + "/console/callback",
    code_challenge: challenge, code_challenge_method: "S256", state, lang: lang(),
  });
  location.assign("/oauth/authorize?" + params.toString());
}

export async function finishSignIn() {
  const query = new URLSearchParams(location.search);
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
  sessionStorage.removeItem(PKCE_KEY);
  if (!saved || query.get("state") !== saved.state || !query.get("code")) {
    throw new Error(t("登录请求已失效，请重新登录。", "The sign-in request expired: sign in again."));
  }
  const response = await fetch("/oauth/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", code: query.get("code"), client_id: "console",
      redirect_uri: location.origin + "/console/callback", code_verifier: saved.verifier,
    }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error_description || body.error);
  sessionStorage.setItem(TOKEN_KEY, body.access_token);
  const target = saved.returnTo && saved.returnTo.startsWith("/console") ? saved.returnTo
    : "/console/";
  location.replace(target);
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  location.assign("/console/");
}

export function claims() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return null;
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes));
    if (!payload.exp || payload.exp * 1000 < Date.now() + 20000) return null;
    return payload;
  } catch {
    return null;
  }
}

/** The signed-in person's claims, or a trip to the sign-in form (and back here after). */
export async function requireSignIn() {
  const who = claims();
  if (!who) {
    await signIn();
    return new Promise(() => {}); // the page is leaving
  }
  return who;
}

// --- purpose of use (X-Purpose-Of-Use), defaulted from the roles ---------------------------

export const PURPOSES = [
  ["SERVICE_DELIVERY", "服务提供", "Service delivery"],
  ["PLACEMENT_ASSESSMENT", "安置评估", "Placement assessment"],
  ["TRANSITION_HANDOVER", "转衔交接", "Transition hand-over"],
  ["DROPOUT_CONTROL", "控辍保学", "Dropout control"],
  ["SUPERVISION", "督导", "Supervision"],
  ["AUDIT", "审计", "Audit"],
  ["GUARDIAN_REQUEST", "监护人申请", "Guardian request"],
];

export function purpose() {
  const saved = sessionStorage.getItem(PURPOSE_KEY);
  if (saved) return saved;
  const roles = (claims() || {}).roles || [];
  if (roles.includes("auditor")) return "AUDIT";
  if (roles.includes("supervisor")) return "SUPERVISION";
  return "SERVICE_DELIVERY";
}

export function setPurpose(value) {
  sessionStorage.setItem(PURPOSE_KEY, value);
}

// --- GraphQL ------------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
  }
}

/** POST /graphql with the bearer token; {data, extensions}, or ApiError with every error. */
export async function gql(query, variables = {}, { partial = false } = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Authorization: "Bearer " + token,
      "X-Purpose-Of-Use": purpose(),
    },
    body: JSON.stringify({ query, variables }),
  });
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    await signIn();
    return new Promise(() => {});
  }
  const body = await response.json();
  if (body.errors && body.errors.length && (!partial || !body.data)) throw new ApiError(body.errors);
  return { data: body.data, extensions: body.extensions || {}, errors: body.errors || [] };
}

/** Downloads a file that needs the bearer token (a plain link cannot send it). */
export async function download(url, filename) {
  const response = await fetch(url, {
    headers: { Authorization: "Bearer " + sessionStorage.getItem(TOKEN_KEY) },
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error((body.errors && body.errors[0].message) || response.statusText);
  }
  const blob = await response.blob();
  const link = h("a", { href: URL.createObjectURL(blob), download: filename, hidden: true });
  document.body.append(link);
  link.click();
  setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  return blob.size;
}

export function redactedSet(extensions) {
  return new Set(extensions.redacted || []);
}
