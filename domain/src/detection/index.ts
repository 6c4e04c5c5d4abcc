// Alert detection, pure and browser-safe; a subpath of its own so the dashboard's bundle never carries it.
export * from './cusum.ts';
export * from './evaluate.ts';
export * from './target.ts';
export * from './transitions.ts';
export * from './backtest.ts';
