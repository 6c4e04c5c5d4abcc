/**
 * ECharts' tree-shaken core, shared by every chart: the renderer, tooltips, ARIA descriptions. Each chart type
 * registers itself in a module of its own (echarts-line.ts, echarts-bar.ts, echarts-funnel.ts), and a chart
 * component imports VChart from the module of the type it draws: the registration runs before the chart does, and a
 * page loads only the types it shows (the bundler keeps each module in the chunk of its importers).
 */
import type { BarSeriesOption, FunnelSeriesOption, LineSeriesOption } from 'echarts/charts';
import { AriaComponent, TooltipComponent } from 'echarts/components';
import type {
  AriaComponentOption,
  GridComponentOption,
  LegendComponentOption,
  TitleComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import { use, type ComposeOption } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

use([CanvasRenderer, AriaComponent, TooltipComponent]);

export type ChartOption = ComposeOption<
  | BarSeriesOption
  | FunnelSeriesOption
  | LineSeriesOption
  | AriaComponentOption
  | GridComponentOption
  | LegendComponentOption
  | TitleComponentOption
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
