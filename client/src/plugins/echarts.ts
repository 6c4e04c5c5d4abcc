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

use([CanvasRenderer, BarChart, FunnelChart, LineChart, AriaComponent, GridComponent, LegendComponent, TooltipComponent]);

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

export { default as VChart } from 'vue-echarts';
