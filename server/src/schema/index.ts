import { builder } from '../builder.ts';
import './error.ts';
import './event.ts';
import './health.ts';

export const schema = builder.toSchema();
