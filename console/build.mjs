// 构建 Copies ECharts (from the npm registry, installed by `npm ci`) into static/vendor, where
// the hub serves it: the pages load nothing from anywhere else.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const vendor = join(here, "static", "vendor");
mkdirSync(vendor, { recursive: true });
copyFileSync(join(here, "node_modules/echarts/dist/echarts.simple.min.js"),
  join(vendor, "echarts.min.js"));
copyFileSync(join(here, "node_modules/echarts/LICENSE"), join(vendor, "ECHARTS-LICENSE.txt"));
console.log("console: copied ECharts into static/vendor");
