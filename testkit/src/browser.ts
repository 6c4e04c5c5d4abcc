/**
 * How browser tests launch Debian's Chromium with playwright-core (`chromium.launch(CHROMIUM_LAUNCH_OPTIONS)`): the
 * package's binary, never a downloaded one, and no background networking, which this machine's closed network would
 * refuse at every start.
 */
export const CHROMIUM_LAUNCH_OPTIONS = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-quic',
    '--no-first-run',
  ],
};
