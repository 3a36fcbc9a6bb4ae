// 标签 Labels of codes in the current language: vocabulary, kinds of fact, departments.
import { t } from "./core.js";
import { VOCAB } from "./vocab.js";

export const KINDS = {
  DisabilityCertificate: ["残疾人证", "Disability certificate"],
  Screening: ["筛查与诊断", "Screening"],
  Assessment: ["评估", "Assessment"],
  Placement: ["安置与学籍", "Placement"],
  ServiceSession: ["服务记录", "Service session"],
  Plan: ["个别化教育计划", "Education plan (IEP)"],
  Transition: ["转衔", "Transition"],
  DropoutCase: ["控辍保学个案", "Dropout case"],
  WelfareStatus: ["福利与救助", "Welfare status"],
  DeviceFitting: ["辅助器具适配", "Device fitting"],
};

export const DEPARTMENTS = {
  EDU: ["教育局", "Education"],
  HEALTH: ["卫健委", "Health"],
  CIVIL: ["民政局", "Civil affairs"],
  DPF: ["残联", "Disabled Persons' Federation"],
  FIN: ["财政局", "Finance"],
  HRSS: ["人社局", "Human resources"],
  NDRC: ["发改委", "Development and reform"],
  APPROVAL: ["审批局", "Approval bureau"],
  HUB: ["枢纽", "The hub"],
};

export function label(vocab, value) {
  if (value === null || value === undefined) return "—";
  const entry = (VOCAB[vocab] || {})[value];
  return entry ? t(entry[0], entry[1]) : String(value);
}

export function kindLabel(kind) {
  const entry = KINDS[kind];
  return entry ? t(entry[0], entry[1]) : kind;
}

export function departmentLabel(code) {
  const entry = DEPARTMENTS[code];
  return entry ? t(entry[0], entry[1]) : code || "—";
}

export function departmentClass(code) {
  return ["EDU", "HEALTH", "CIVIL", "DPF"].includes(code) ? `dept-${code}` : "dept-other";
}
