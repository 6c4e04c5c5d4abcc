/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL of the API (e.g. https://api.example.com); default: the origin that served the dashboard. */
  readonly VITE_API_URL?: string;
  /** The API's READ_TOKEN, when the server has one and this build may carry it (else the dashboard asks for it). */
  readonly VITE_READ_TOKEN?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
