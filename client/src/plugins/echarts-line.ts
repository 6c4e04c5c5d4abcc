/** Line charts on grids, with titles (the trend's small multiples, campaign history). Import VChart from here. */
import { LineChart } from 'echarts/charts';
import { GridComponent, TitleComponent } from 'echarts/components';
import { use } from 'echarts/core';

use([LineChart, GridComponent, TitleComponent]);

export * from './echarts.ts';
