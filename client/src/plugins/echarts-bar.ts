/** Bar charts on grids with a legend (clicks and spend by campaign, campaign history). Import VChart from here. */
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent } from 'echarts/components';
import { use } from 'echarts/core';

use([BarChart, GridComponent, LegendComponent]);

export * from './echarts.ts';
