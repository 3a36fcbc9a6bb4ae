// 构建 Copies ECharts (from the npm registry, installed by `npm ci`) into static/vendor, where
// the hub serves it: the pages load nothing from anywhere else.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const vendor = join(here, "static", "vendor");
mkdirSync(vendor, { recursive: true });
// The common build: bars with their legend and tooltips (the simple build has neither).
copyFileSync(join(here, "node_modules/echarts/dist/echarts.common.min.js"),
  join(vendor, "echarts.min.js"));
copyFileSync(join(here, "node_modules/echarts/LICENSE"), join(vendor, "ECHARTS-LICENSE.txt"));
console.log("console: copied ECharts into static/vendor");
