import { describe, expect, it } from "vitest";
import { imageSchema, toCloudImage } from "../../src/adapters/hetzner/hetzner-images.ts";
import { pricingResponse, toCloudPricing } from "../../src/adapters/hetzner/hetzner-pricing.ts";
import { toCloudVolume, volumeSchema } from "../../src/adapters/hetzner/hetzner-volumes.ts";

// The examples of Hetzner's API reference, so the client reads the documented shapes, not only the
// fake's (which it was written next to).

const location = {
  city: "Falkenstein",
  country: "DE",
  description: "Falkenstein DC Park 1",
  id: 1,
  latitude: 50.47612,
  longitude: 12.370071,
  name: "fsn1",
  network_zone: "eu-central",
};
const price = (net: string, gross: string) => ({ net, gross });

describe("documented resource shapes", () => {
  it("read a volume", () => {
    const volume = volumeSchema.parse({
      created: "2016-01-30T23:50:11Z",
      format: "xfs",
      id: 4711,
      labels: { key: "value" },
      linux_device: "/dev/disk/by-id/scsi-0HC_Volume_4711",
      location,
      name: "database-storage",
      protection: { delete: false },
      server: 12,
      size: 42,
      status: "available",
    });
    expect(toCloudVolume(volume)).toEqual({
      id: 4711,
      name: "database-storage",
      sizeGb: 42,
      status: "available",
      serverId: 12,
      location: "fsn1",
      linuxDevice: "/dev/disk/by-id/scsi-0HC_Volume_4711",
      format: "xfs",
      labels: { key: "value" },
      created: new Date("2016-01-30T23:50:11Z"),
    });
  });

  it("read an image, a new field or two included", () => {
    const image = imageSchema.parse({
      architecture: "x86",
      bound_to: null,
      created: "2016-01-30T23:50:00Z",
      created_from: { id: 1, name: "Server" },
      deleted: null,
      deprecated: "2018-02-28T00:00:00Z",
      description: "my image",
      disk_size: 10,
      id: 4711,
      image_size: 2.3,
      labels: { key: "value" },
      name: null,
      os_flavor: "ubuntu",
      os_version: "20.04",
      protection: { delete: false },
      rapid_deploy: false,
      status: "creating",
      type: "snapshot",
      something_new: true,
    });
    expect(toCloudImage(image)).toMatchObject({
      id: 4711,
      type: "snapshot",
      status: "creating",
      imageSizeGb: 2.3,
      diskSizeGb: 10,
      createdFrom: { id: 1, name: "Server" },
    });
  });

  it("read the price list's gross prices", () => {
    const pricing = pricingResponse.parse({
      pricing: {
        currency: "EUR",
        vat_rate: "19.00",
        image: { price_per_gb_month: price("1.0000", "1.1900") },
        volume: { price_per_gb_month: price("1.0000", "1.1900") },
        server_backup: { percentage: "20.00" },
        floating_ip: { price_monthly: price("1.0000", "1.1900") },
        floating_ips: [],
        primary_ips: [],
        load_balancer_types: [],
        server_types: [
          {
            id: 104,
            name: "cpx22",
            prices: [
              {
                location: "fsn1",
                included_traffic: 654321,
                price_hourly: price("1.0000", "1.1900"),
                price_monthly: price("1.0000", "1.1900"),
                price_per_tb_traffic: price("1.0000", "1.1900"),
              },
            ],
          },
        ],
      },
    });
    expect(toCloudPricing(pricing)).toEqual({
      currency: "EUR",
      vatRate: "19.00",
      volumePerGbMonth: "1.1900",
      imagePerGbMonth: "1.1900",
      serverTypes: [{ name: "cpx22", prices: [{ location: "fsn1", hourly: "1.1900", monthly: "1.1900" }] }],
      primaryIps: [],
    });
  });
});
