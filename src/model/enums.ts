/**
 * The enumeration types of the remoteActionAudit entity, with member values
 * in CSDL order. Storage keeps the numeric value, so that comparison and
 * ordering follow member values as OData requires.
 */

export interface EnumMember {
  readonly name: string;
  readonly value: number;
}

export interface EnumType {
  /** Unqualified type name, as in `microsoft.graph.<name>`. */
  readonly name: string;
  readonly members: readonly EnumMember[];
  /**
   * Graph's evolvable-enum sentinel. Members listed after it are sent as
   * `unknownFutureValue` unless the client sends
   * `Prefer: include-unknown-enum-members`.
   */
  readonly unknownFutureValue?: number;
}

function members(names: Record<string, number>): EnumMember[] {
  return Object.entries(names).map(([name, value]) => ({ name, value }));
}

export const actionState: EnumType = {
  name: "actionState",
  members: members({
    none: 0,
    pending: 1,
    canceled: 2,
    active: 3,
    done: 4,
    failed: 5,
    notSupported: 6,
  }),
};

export const deviceActionCategory: EnumType = {
  name: "deviceActionCategory",
  members: members({ single: 0, bulk: 1 }),
};

export const remoteAction: EnumType = {
  name: "remoteAction",
  unknownFutureValue: 33,
  members: members({
    unknown: 0,
    factoryReset: 1,
    removeCompanyData: 2,
    resetPasscode: 3,
    remoteLock: 4,
    enableLostMode: 5,
    disableLostMode: 6,
    locateDevice: 7,
    rebootNow: 8,
    recoverPasscode: 9,
    cleanWindowsDevice: 10,
    logoutSharedAppleDeviceActiveUser: 11,
    quickScan: 12,
    fullScan: 13,
    windowsDefenderUpdateSignatures: 14,
    factoryResetKeepEnrollmentData: 15,
    updateDeviceAccount: 16,
    automaticRedeployment: 17,
    shutDown: 18,
    rotateBitLockerKeys: 19,
    rotateFileVaultKey: 20,
    getFileVaultKey: 21,
    setDeviceName: 22,
    activateDeviceEsim: 23,
    deprovision: 24,
    disable: 25,
    reenable: 26,
    moveDeviceToOrganizationalUnit: 27,
    initiateMobileDeviceManagementKeyRecovery: 28,
    initiateOnDemandProactiveRemediation: 29,
    rotateLocalAdminPassword: 32,
    unknownFutureValue: 33,
    launchRemoteHelp: 34,
    revokeAppleVppLicenses: 35,
    removeDeviceFirmwareConfigurationInterfaceManagement: 36,
    pauseConfigurationRefresh: 37,
    initiateDeviceAttestation: 38,
    changeAssignments: 39,
    delete: 40,
  }),
};

export const enumTypes: readonly EnumType[] = [
  actionState,
  deviceActionCategory,
  remoteAction,
];

/** Finds a member by its exact, case-sensitive name. */
export function memberByName(
  type: EnumType,
  name: string,
): EnumMember | undefined {
  return type.members.find((member) => member.name === name);
}

/** Finds a member by its numeric value. */
export function memberByValue(
  type: EnumType,
  value: number,
): EnumMember | undefined {
  let byValue = membersByValue.get(type);
  if (byValue === undefined) {
    byValue = new Map(type.members.map((member) => [member.value, member]));
    membersByValue.set(type, byValue);
  }
  return byValue.get(value);
}

const membersByValue = new WeakMap<EnumType, Map<number, EnumMember>>();

/**
 * Returns the member name sent to a client: members past
 * `unknownFutureValue` become `unknownFutureValue` unless the client asked
 * for them.
 */
export function outputName(
  type: EnumType,
  value: number,
  includeUnknownMembers: boolean,
): string {
  const sentinel = type.unknownFutureValue;
  if (!includeUnknownMembers && sentinel !== undefined && value > sentinel) {
    return "unknownFutureValue";
  }
  const member = memberByValue(type, value);
  if (member === undefined) {
    throw new Error(`no member of ${type.name} has value ${value}`);
  }
  return member.name;
}
