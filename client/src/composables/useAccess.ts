import { inject, reactive, type InjectionKey } from 'vue';

/** Whether the API refused this browser's reads (READ_TOKEN set on the server, no or a wrong token here). */
export interface AccessState {
  denied: boolean;
}

export function createAccessState(): AccessState {
  return reactive({ denied: false });
}

export const ACCESS_KEY: InjectionKey<AccessState> = Symbol('access');

export function useAccess(): AccessState {
  return inject(ACCESS_KEY, () => createAccessState(), true);
}
