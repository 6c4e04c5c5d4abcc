/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL of the API (e.g. http://localhost:8000); defaults to port 8000 of the host serving the dashboard. */
  readonly VITE_API_URL?: string;
  /** Port of the API on the dashboard's own host when VITE_API_URL is not set (default 8000). */
  readonly VITE_API_PORT?: string;
  /** The API's READ_TOKEN, when the server has one and this build may carry it (else the dashboard asks for it). */
  readonly VITE_READ_TOKEN?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
