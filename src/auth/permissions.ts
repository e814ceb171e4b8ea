/**
 * Graph permissions per operation. Delegated tokens carry them in `scp`,
 * application tokens in `roles`; either kind grants the operation.
 */
import { ApiError } from "../errors.ts";
import type { Principal } from "./principal.ts";

export type Access = "read" | "write";

export const acceptedPermissions: Readonly<Record<Access, readonly string[]>> =
  {
    read: [
      "DeviceManagementManagedDevices.Read.All",
      "DeviceManagementManagedDevices.ReadWrite.All",
      "DeviceManagementConfiguration.Read.All",
      "DeviceManagementConfiguration.ReadWrite.All",
    ],
    write: [
      "DeviceManagementManagedDevices.ReadWrite.All",
      "DeviceManagementConfiguration.ReadWrite.All",
    ],
  };

/** Throws 403 unless the principal has a permission that the access accepts. */
export function checkPermission(principal: Principal, access: Access): void {
  if (principal.anonymous) return;
  const accepted = acceptedPermissions[access];
  const granted = [...principal.scopes, ...principal.roles];
  if (granted.some((permission) => accepted.includes(permission))) return;
  const has = granted.length === 0 ? "none" : granted.join(", ");
  throw new ApiError(
    "Forbidden",
    `The token lacks a permission this operation accepts. It needs one of: ` +
      `${accepted.join(", ")}. It has: ${has}.`,
  );
}
