/** The funnel chart (no grid, no legend: its labels name the stages). Import VChart from here. */
import { FunnelChart } from 'echarts/charts';
import { use } from 'echarts/core';

use([FunnelChart]);

export * from './echarts.ts';
