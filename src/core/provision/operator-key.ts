import type { CloudApi } from "../ports/cloud.ts";

/** The operator's SSH key: the fresh Ubuntu server trusts it for root so nixos-anywhere can log in. */
export class OperatorKey {
  private uploaded: Promise<number> | null = null;

  constructor(
    /** Path of the private key, handed to the installer. */
    readonly privateKeyPath: string,
    /** The matching one-line public key, uploaded to Hetzner. */
    readonly publicKey: string,
    readonly name = "ccc-operator",
  ) {}

  /** The key's Hetzner id, uploading it the first time; one lookup per process. */
  hetznerId(cloud: CloudApi): Promise<number> {
    this.uploaded ??= cloud.ensureSshKey(this.name, this.publicKey).then(
      (key) => key.id,
      (error: unknown) => {
        this.uploaded = null;
        throw error;
      },
    );
    return this.uploaded;
  }
}
