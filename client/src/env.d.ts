/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL of the API (e.g. http://localhost:8000); defaults to port 8000 of the host serving the dashboard. */
  readonly VITE_API_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
