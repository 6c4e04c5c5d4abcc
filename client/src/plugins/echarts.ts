/**
 * The one place ECharts modules are registered: only what the dashboard draws is bundled (tree-shaken core).
 * Chart components import VChart from here, so using a chart guarantees the registration ran.
 */
import { BarChart, FunnelChart, LineChart } from 'echarts/charts';
import type { BarSeriesOption, FunnelSeriesOption, LineSeriesOption } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import type {
  AriaComponentOption,
  GridComponentOption,
  LegendComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import { use, type ComposeOption } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

use([
  CanvasRenderer,
  BarChart,
  FunnelChart,
  LineChart,
  AriaComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
]);

export type ChartOption = ComposeOption<
  | BarSeriesOption
  | FunnelSeriesOption
  | LineSeriesOption
  | AriaComponentOption
  | GridComponentOption
  | LegendComponentOption
  | TooltipComponentOption
>;

/** Series colours with at least 3:1 contrast against the white card background. */
export const CHART_COLORS = ['#1d4ed8', '#c2410c', '#047857', '#7c3aed', '#be123c', '#0e7490', '#a16207', '#4338ca'];

/**
 * Chart text size in px, following the page's root font size (which grows with the viewport), so chart labels stay
 * readable on a wall screen; ECharts sizes text in px and would otherwise stay at 12 px.
 */
export function chartFontSize(scale = 0.8): number {
  const root =
    typeof document === 'undefined' ? 16 : parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  return Math.round(root * scale);
}

export { default as VChart } from 'vue-echarts';
