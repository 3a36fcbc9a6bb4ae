// 浏览器测试(issue 15) The console as its people read it, at an office screen (1366×768) and a
// phone (390×844): search that finds, the auditor's pages in plain words, the guardian's letter.
// Started by tests/test_console_people_browser.py (which loads the demo city and the people and
// passes the facts to look for); prints one JSON object, also written to RESULT_FILE.
import { join } from "node:path";
import {
  BASE, OFFICE, SHOTS, again, axe, env, newPage, ready, result, run, sideways, signIn,
} from "./harness.mjs";

const VIEWPORTS = { desktop: OFFICE, phone: { width: 390, height: 844 } };

/** Types a term into the search box and waits for the answer: the names found, the count. */
async function search(page, term) {
  await page.evaluate(() => { document.body.dataset.searched = ""; });
  await page.fill("#q-text", term);
  await page.press("#q-text", "Enter");
  await page.waitForFunction(() => document.getElementById("status").textContent === ""
    && (document.querySelector("#results tbody tr") || !document.getElementById("results-empty").hidden
      || document.getElementById("q-text-error").textContent));
  return page.evaluate(() => ({
    names: [...document.querySelectorAll("#results tbody td a")].map((a) => a.textContent),
    count: document.getElementById("results-count").textContent,
    empty: !document.getElementById("results-empty").hidden,
    emptyText: document.getElementById("results-empty").textContent,
    error: document.getElementById("q-text-error").textContent,
    tableShown: !document.getElementById("results").hidden,
  }));
}

async function staffSearch(kind, viewport) {
  const page = await newPage(viewport);
  await signIn(page, "/console/", env.STAFF_USER, env.STAFF_PASSWORD);
  await ready(page, `search-${kind}`);
  await again(page, `search-${kind}`);
  const c = {};
  c.wholeIdFieldHidden = await page.locator("#q-id-field").isHidden();
  c.byGivenName = await search(page, env.CHILD_GIVEN);
  c.byPinyin = await search(page, env.CHILD_PINYIN);
  c.byInitials = await search(page, env.CHILD_INITIALS);
  c.byIdEnd = await search(page, env.CHILD_ID_END);
  c.outOfScope = await search(page, env.OUTSIDE_NAME);
  c.longDigits = await search(page, "1234567");
  c.nothing = await search(page, "qqqzzz");
  c.sideways = await sideways(page);
  await axe(page, `search-empty-${kind}`);
  const back = await search(page, env.CHILD_GIVEN);
  c.cardWidth = await page.locator("#results tbody td").first().evaluate((td) => td.getBoundingClientRect().width);
  c.resultsHeight = await page.locator("#results").evaluate((t) => t.getBoundingClientRect().height);
  c.rowsAfterEmpty = back.names.length;
  c.sidewaysWithResults = await sideways(page);
  await axe(page, `search-${kind}`);
  await page.screenshot({ path: join(SHOTS, `search-${kind}.png`) });
  c.headerNoCodes = !/\bEDU\b/.test(await page.textContent("header"));

  // The child's timeline: newest first, a toggle, a department filter, names not codes.
  await Promise.all([page.waitForEvent("load"),
    page.locator("#results tbody td a", { hasText: env.CHILD_NAME }).first().click()]);
  await ready(page, `child-${kind}`);
  await again(page, `child-${kind}`);
  const dates = () => page.locator("#timeline > li:not(.gap) .when").allTextContents();
  const before = await dates();
  c.newestFirst = before.length > 1 && before[0] >= before[before.length - 1];
  c.orderPressed = await page.getAttribute("#order-toggle", "aria-pressed");
  await page.click("#order-toggle");
  const after = await dates();
  c.toggleReverses = after.length === before.length && after[0] <= after[after.length - 1];
  c.orderInUrl = new URL(page.url()).searchParams.get("order") === "oldest";
  await page.click("#order-toggle");
  const departments = await page.locator("#dept-filter input").count();
  const firstDept = page.locator("#dept-filter input").first();
  await firstDept.uncheck();
  c.deptFilterHides = departments > 0 && await page.locator("#timeline > li[hidden]").count() > 0;
  await firstDept.check();
  c.deptNames = !/\b(EDU|HEALTH|CIVIL|DPF)\b/.test(await page.textContent("#child-view"));
  c.sidewaysChild = await sideways(page);
  await axe(page, `child-${kind}`);
  result.checks[`staff-${kind}`] = c;
  await page.context().close();
}

async function officerSearch(kind, viewport) {
  // An education officer may search by the whole ID number, but only for a purpose that shows
  // it: under service delivery the field is not offered and a hint names the purposes.
  const page = await newPage(viewport);
  await signIn(page, "/console/", env.OFFICER_USER, env.OFFICER_PASSWORD);
  await ready(page, `officer-${kind}`);
  const c = {};
  c.serviceIdHidden = await page.locator("#q-id-field").isHidden();
  c.hint = await page.textContent("#id-purpose-hint");
  await Promise.all([page.waitForEvent("load"), page.selectOption("#purpose", "PLACEMENT_ASSESSMENT")]);
  await ready(page, `officer-assessment-${kind}`);
  c.assessmentIdShown = await page.locator("#q-id-field").isVisible();
  await axe(page, `officer-${kind}`);
  result.checks[`officer-${kind}`] = c;
  await page.context().close();
}

async function auditorPages(kind, viewport) {
  const c = {};
  // A refused sign-in first: the log shows it under the same person as the API calls.
  const refused = await newPage(viewport);
  await signIn(refused, "/console/", env.STAFF_USER, "not-the-password");
  await refused.waitForSelector(".error-summary");
  await refused.context().close();

  const page = await newPage(viewport);
  await signIn(page, "/console/", env.AUDITOR_USER, env.AUDITOR_PASSWORD);
  await ready(page, `audit-${kind}`);
  c.landedOnLog = new URL(page.url()).pathname === "/console/audit";
  await again(page, `audit-${kind}`);
  await page.waitForSelector("#chain.ok, #chain.bad");
  c.chainOk = (await page.textContent("#chain")).startsWith("✓");
  const table = await page.locator("#events").textContent();
  c.personNamed = table.includes(`${env.STAFF_NAME}（${env.STAFF_USER}）`);
  c.noInternalIds = !/ps_[0-9a-f]{8}/.test(table);
  c.noPurposeCodes = !/SERVICE_DELIVERY|PLACEMENT_ASSESSMENT/.test(table);
  c.plainOperation = table.includes("查找儿童");
  c.readsMarked = await page.locator("#events .badge.read").count();
  const refusedRow = page.locator("#events tbody tr", { hasText: "未通过身份验证" })
    .filter({ hasText: env.STAFF_USER });
  c.refusedSignInNamed = (await refusedRow.count()) > 0
    && (await refusedRow.first().textContent()).includes(env.STAFF_NAME);
  c.sideways = await sideways(page);
  await axe(page, `audit-${kind}`);
  await page.screenshot({ path: join(SHOTS, `audit-${kind}.png`) });

  // Only this person's events, under every key it has (the refused sign-in included).
  await Promise.all([page.waitForEvent("load"),
    page.locator("#events tbody tr td a", { hasText: env.STAFF_USER }).first().click()]);
  await ready(page, `audit-person-${kind}`);
  const whoCells = await page.locator("#events tbody td:nth-child(2)").allTextContents();
  c.personFilterOneIdentity = whoCells.length > 0 && whoCells.every((w) => w.includes(env.STAFF_USER));
  c.personFilterHasSignIn = (await page.locator("#events tbody tr", { hasText: "登录" }).count()) > 0;

  // An unknown child, by name, says so.
  await page.fill("#l-name", "查无此人名");
  await page.press("#l-name", "Enter");
  await page.waitForSelector("#lookup-none");
  c.unknownSaysSo = (await page.textContent("#lookup-none")).includes("没有找到");
  // The child, by pinyin: birth date and school beside the name; its letter.
  await page.fill("#l-name", env.CHILD_PINYIN);
  await page.press("#l-name", "Enter");
  await page.waitForSelector("#namesakes li");
  const item = page.locator("#namesakes li", { hasText: env.CHILD_NAME }).first();
  c.namesakeShowsBirth = (await item.textContent()).includes(env.CHILD_BIRTH);
  await Promise.all([page.waitForEvent("load"), item.locator("a").click()]);
  await ready(page, `report-${kind}`);
  await again(page, `report-${kind}`);
  const letter = await page.textContent("#letter");
  c.letterNamesChild = letter.includes(env.CHILD_NAME);
  c.letterGroups = await page.locator("#letter-groups li").count();
  c.letterNoPaths = !/endCursor|totalCount|edges|ps_[0-9a-f]|T\d\d:\d\d/.test(letter);
  c.letterOneLanguage = !/viewed|times|Organisation/.test(letter);
  c.letterSummary = await page.textContent("#letter-summary");
  c.sidewaysLetter = await sideways(page);
  await axe(page, `report-${kind}`);
  await page.screenshot({ path: join(SHOTS, `letter-${kind}.png`) });
  if (kind === "desktop") {
    const pdf = await page.pdf({ format: "A4", printBackground: true });
    c.pdfPages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length;
    await page.emulateMedia({ media: "print" });
    await page.screenshot({ path: join(SHOTS, "letter-print.png"), fullPage: true });
    await page.emulateMedia({ media: "screen" });
    await Promise.all([page.waitForEvent("load"), page.click("#lang-toggle")]);
    await ready(page, "report-en");
    const english = await page.textContent("#letter");
    c.englishLetter = english.includes("Who accessed") && !/查看|为安置|次，/.test(english);
    await Promise.all([page.waitForEvent("load"), page.click("#lang-toggle")]);
    await ready(page, "report-zh");
  }
  await page.goto(`${BASE}/console/audit/report?child=ch_no_such_child`);
  await ready(page, `report-missing-${kind}`);
  c.unknownIdSaysSo = (await page.textContent("#report-missing")).includes("没有这个儿童");
  result.checks[`auditor-${kind}`] = c;
  await page.context().close();
}

await run(async () => {
  for (const [kind, viewport] of Object.entries(VIEWPORTS)) {
    await staffSearch(kind, viewport);
    await officerSearch(kind, viewport);
    await auditorPages(kind, viewport);
  }
});
