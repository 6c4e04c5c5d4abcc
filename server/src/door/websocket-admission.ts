/**
 * Caps on open websockets, in all and per client address, checked at the HTTP upgrade (before a socket exists):
 * sockets cost a file descriptor each, and ~20,000 of them once starved /health. Over a cap the upgrade is refused
 * with 503, and the client may retry later.
 */
export class WebSocketAdmission {
  private total = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly limits: { maxConnections: number; maxConnectionsPerAddress: number }) {}

  /** Why a new socket from `address` is refused, or null when it is admitted (and counted until `release`). */
  admit(address: string): string | null {
    const fromAddress = this.byAddress.get(address) ?? 0;
    if (this.total >= this.limits.maxConnections)
      return `this server holds its maximum of ${this.limits.maxConnections} websockets`;
    if (fromAddress >= this.limits.maxConnectionsPerAddress)
      return `this address holds its maximum of ${this.limits.maxConnectionsPerAddress} websockets`;
    this.total += 1;
    this.byAddress.set(address, fromAddress + 1);
    return null;
  }

  release(address: string): void {
    const fromAddress = (this.byAddress.get(address) ?? 1) - 1;
    this.total -= 1;
    if (fromAddress > 0) this.byAddress.set(address, fromAddress);
    else this.byAddress.delete(address);
  }
}
