import { onScopeDispose } from 'vue';

/**
 * `refresh` at most once per `intervalMs`, for queries re-read when live data arrives. A request inside the interval
 * is not dropped but runs at its end: live pushes stop when the data does, and the last change must still be read.
 */
export function useThrottledRefresh(refresh: () => void, intervalMs: number): () => void {
  let lastRun = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    timer = undefined;
    lastRun = Date.now();
    refresh();
  };
  onScopeDispose(() => clearTimeout(timer));
  return () => {
    if (timer !== undefined) return;
    timer = setTimeout(run, Math.max(0, lastRun + intervalMs - Date.now()));
  };
}
