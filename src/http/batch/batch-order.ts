/**
 * The run order of a batch. Requests of one OData 4.01 atomicity group form
 * one unit that commits together; every other request is a unit of its
 * own. `dependsOn` entries name request ids or group names (ignoring case)
 * and become edges between units; entries inside one group order its
 * requests. Unknown names and cycles are a 400.
 */
import { apiErrors, quote } from "../../errors.ts";
import type { BatchItem } from "./batch-request.ts";

/** A dependency of a unit on requests outside it. */
export interface Dependency {
  /** The name in messages, such as `request '1'` or `atomicity group 'g'`. */
  readonly label: string;
  readonly items: readonly BatchItem[];
}

/** A single request, or the requests of an atomicity group in run order. */
export interface BatchUnit {
  readonly key: string;
  readonly group?: string;
  readonly items: readonly BatchItem[];
  /** Keys of the units that must finish first. */
  readonly after: readonly string[];
  readonly dependencies: readonly Dependency[];
}

type Target =
  | { readonly kind: "request"; readonly item: BatchItem }
  | { readonly kind: "group"; readonly name: string };

/** Builds the units of a batch; throws 400 for a malformed dependency. */
export function planBatch(items: readonly BatchItem[]): BatchUnit[] {
  const groups = collectGroups(items);
  const targets = targetIndex(items, groups);
  const resolved = new Map(
    items.map((item) => [
      item,
      item.dependsOn.map((name) => resolve(item, name, targets)),
    ]),
  );

  const units = new Map<string, BatchUnit>();
  for (const item of items) {
    const key = unitKey(item);
    if (units.has(key)) continue;
    const members =
      item.atomicityGroup === undefined ? [item] : groups.get(key)!;
    units.set(key, buildUnit(key, members, resolved, groups));
  }
  checkAcyclic(
    [...units.values()],
    (unit) => unit.after.map((key) => units.get(key)!),
    unitLabel,
  );
  return [...units.values()];
}

function unitKey(item: BatchItem): string {
  return item.atomicityGroup === undefined
    ? `request:${item.id.toLowerCase()}`
    : groupKey(item.atomicityGroup);
}

function groupKey(name: string): string {
  return `group:${name.toLowerCase()}`;
}

/** Groups items by atomicity group; a group's requests must be adjacent. */
function collectGroups(items: readonly BatchItem[]): Map<string, BatchItem[]> {
  const groups = new Map<string, BatchItem[]>();
  for (const item of items) {
    if (item.atomicityGroup === undefined) continue;
    const key = groupKey(item.atomicityGroup);
    const members = groups.get(key) ?? [];
    const last = members[members.length - 1];
    if (last !== undefined && last.index !== item.index - 1) {
      throw apiErrors.badRequest(
        `The requests of atomicity group ${quote(item.atomicityGroup)} are ` +
          `not adjacent (requests ${last.index} and ${item.index}). ` +
          `List the requests of a group one after another.`,
      );
    }
    members.push(item);
    groups.set(key, members);
  }
  return groups;
}

/** Maps each lowercase request id and group name to what it names. */
function targetIndex(
  items: readonly BatchItem[],
  groups: ReadonlyMap<string, BatchItem[]>,
): Map<string, Target> {
  const targets = new Map<string, Target>();
  for (const item of items) {
    targets.set(item.id.toLowerCase(), { kind: "request", item });
  }
  for (const members of groups.values()) {
    const name = members[0]!.atomicityGroup!;
    const clash = targets.get(name.toLowerCase());
    if (clash?.kind === "request") {
      throw apiErrors.badRequest(
        `The atomicity group ${quote(name)} has the same name as the ` +
          `request id ${quote(clash.item.id)}. Give groups names that no ` +
          `request uses as its id.`,
      );
    }
    targets.set(name.toLowerCase(), { kind: "group", name });
  }
  return targets;
}

function resolve(
  item: BatchItem,
  name: string,
  targets: ReadonlyMap<string, Target>,
): Target {
  const target = targets.get(name.toLowerCase());
  if (target === undefined) {
    throw apiErrors.badRequest(
      `Request ${quote(item.id)} depends on ${quote(name)}, which is ` +
        `neither a request id nor an atomicity group of the batch.`,
    );
  }
  const ownGroup =
    target.kind === "group" &&
    target.name.toLowerCase() === item.atomicityGroup?.toLowerCase();
  if ((target.kind === "request" && target.item === item) || ownGroup) {
    throw apiErrors.badRequest(
      `Request ${quote(item.id)} depends on itself through ${quote(name)}, ` +
        `which makes a cycle. Remove that dependsOn entry.`,
    );
  }
  return target;
}

function buildUnit(
  key: string,
  members: readonly BatchItem[],
  resolved: ReadonlyMap<BatchItem, readonly Target[]>,
  groups: ReadonlyMap<string, BatchItem[]>,
): BatchUnit {
  const inside = new Set(members);
  const internal = new Map<BatchItem, BatchItem[]>();
  const after = new Set<string>();
  const dependencies: Dependency[] = [];
  for (const item of members) {
    internal.set(item, []);
    for (const target of resolved.get(item) ?? []) {
      if (target.kind === "request" && inside.has(target.item)) {
        internal.get(item)!.push(target.item);
        continue;
      }
      const dependency = dependencyOf(target, groups);
      after.add(dependency.key);
      dependencies.push(dependency);
    }
  }
  const group = members[0]?.atomicityGroup;
  return {
    key,
    ...(group === undefined ? {} : { group }),
    items: orderMembers(members, internal),
    after: [...after],
    dependencies,
  };
}

function dependencyOf(
  target: Target,
  groups: ReadonlyMap<string, BatchItem[]>,
): Dependency & { readonly key: string } {
  if (target.kind === "group") {
    const key = groupKey(target.name);
    const label = `atomicity group ${quote(target.name)}`;
    return { key, label, items: groups.get(key) ?? [] };
  }
  const item = target.item;
  return {
    key: unitKey(item),
    label: `request ${quote(item.id)}`,
    items: [item],
  };
}

/** Orders a group's requests by their dependsOn, else by position. */
function orderMembers(
  members: readonly BatchItem[],
  internal: ReadonlyMap<BatchItem, readonly BatchItem[]>,
): BatchItem[] {
  checkAcyclic(
    members,
    (item) => internal.get(item) ?? [],
    (item) => quote(item.id),
  );
  const ordered: BatchItem[] = [];
  const placed = new Set<BatchItem>();
  while (ordered.length < members.length) {
    const next = members.find(
      (item) =>
        !placed.has(item) &&
        (internal.get(item) ?? []).every((before) => placed.has(before)),
    )!;
    ordered.push(next);
    placed.add(next);
  }
  return ordered;
}

function unitLabel(unit: BatchUnit): string {
  return unit.group === undefined
    ? quote(unit.items[0]!.id)
    : `atomicity group ${quote(unit.group)}`;
}

/** Throws 400 naming a cycle when the graph has one. */
function checkAcyclic<Node>(
  nodes: readonly Node[],
  dependencies: (node: Node) => readonly Node[],
  label: (node: Node) => string,
): void {
  const state = new Map<Node, "visiting" | "done">();
  const path: Node[] = [];
  const visit = (node: Node): void => {
    if (state.get(node) === "done") return;
    if (state.get(node) === "visiting") {
      const cycle = [...path.slice(path.indexOf(node)), node].map(label);
      throw apiErrors.badRequest(
        `The dependsOn entries of the batch form a cycle: ` +
          `${cycle.join(" depends on ")}. Remove one of those entries.`,
      );
    }
    state.set(node, "visiting");
    path.push(node);
    dependencies(node).forEach(visit);
    path.pop();
    state.set(node, "done");
  };
  nodes.forEach(visit);
}
