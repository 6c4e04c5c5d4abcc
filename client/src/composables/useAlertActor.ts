import { ref, watch, type Ref } from 'vue';

/** The name this browser acknowledges and snoozes alerts as (there are no user accounts): typed once, remembered. */
const STORAGE_KEY = 'pmd.alertActor';

const storage = typeof localStorage === 'undefined' ? undefined : localStorage;
const name = ref(storage?.getItem(STORAGE_KEY) ?? '');
watch(name, (value) => {
  if (value.trim()) storage?.setItem(STORAGE_KEY, value.trim());
  else storage?.removeItem(STORAGE_KEY);
});

export function useAlertActor(): { name: Ref<string> } {
  return { name };
}
