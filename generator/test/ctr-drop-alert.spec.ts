import { describe, it } from 'vitest';

describe('ctr-drop scenario end to end', () => {
  // Needs the worker's anomaly_alerts task (branch `worker`): generator --scenario ctr-drop with short phases against a
  // real server + worker, then assert an alert fires for camp_meta_prospecting and later resolves. Written at merge.
  it.todo('makes the worker fire and later resolve a ctr_drop alert');
});
