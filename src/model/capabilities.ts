/**
 * Capability annotations (OData vocabulary Org.OData.Capabilities.V1) that
 * describe what the service supports on the remoteActionAudits collection
 * and the container. Both CSDL forms render this one list, so the XML and
 * JSON documents always agree.
 *
 * NOTE: Core.OptimisticConcurrency is left out on purpose. The vocabulary
 * defines it as "data modification requires the use of ETags", but writes
 * here succeed without If-Match, as in Graph. The weak ETags show in each
 * payload's `@odata.etag` and the ETag header instead.
 */
import { isSortable, namespace, properties } from "./entity.ts";

export const capabilitiesNamespace = "Org.OData.Capabilities.V1";
export const capabilitiesAlias = "Capabilities";
/** URL of the vocabulary as OASIS publishes it. The document names it, and nothing fetches it. */
export const capabilitiesVocabularyUrl =
  "https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Capabilities.V1";

export const containerName = "GraphService";

/** An annotation value, typed as CSDL needs to render it. */
export type AnnotationValue =
  | { readonly kind: "bool"; readonly value: boolean }
  | {
      readonly kind: "enumMember";
      readonly type: string;
      readonly member: string;
    }
  | { readonly kind: "propertyPaths"; readonly paths: readonly string[] }
  | { readonly kind: "strings"; readonly values: readonly string[] }
  | {
      readonly kind: "record";
      readonly properties: Readonly<Record<string, AnnotationValue>>;
    };

export interface Annotation {
  /** Term with its vocabulary alias, such as `Capabilities.TopSupported`. */
  readonly term: string;
  readonly value: AnnotationValue;
}

export interface AnnotationTarget {
  readonly target: string;
  readonly annotations: readonly Annotation[];
}

const bool = (value: boolean): AnnotationValue => ({ kind: "bool", value });
const record = (fields: Record<string, AnnotationValue>): AnnotationValue => ({
  kind: "record",
  properties: fields,
});
const paths = (values: readonly string[]): AnnotationValue => ({
  kind: "propertyPaths",
  paths: values,
});
const term = (name: string, value: AnnotationValue): Annotation => ({
  term: `${capabilitiesAlias}.${name}`,
  value,
});

/** Returns the collection-valued properties, such as deviceActionDetails. */
function collectionProperties(): string[] {
  return properties
    .filter((property) => property.edmType.startsWith("Collection("))
    .map((property) => property.name);
}

function nonSortableProperties(): string[] {
  return properties
    .filter((property) => !isSortable(property))
    .map((property) => property.name);
}

/** Annotations of `deviceManagement/remoteActionAudits`. */
function collectionAnnotations(): Annotation[] {
  return [
    term(
      "FilterRestrictions",
      record({ Filterable: bool(true), RequiresFilter: bool(false) }),
    ),
    term(
      "SortRestrictions",
      record({
        Sortable: bool(true),
        NonSortableProperties: paths(nonSortableProperties()),
      }),
    ),
    // `$count=true` and `/$count` work on the collection; a collection
    // property has no `/$count` segment.
    term(
      "CountRestrictions",
      record({
        Countable: bool(true),
        NonCountableProperties: paths(collectionProperties()),
      }),
    ),
    term("TopSupported", bool(true)),
    term("SkipSupported", bool(true)),
    term("IndexableByKey", bool(true)),
    // $search takes terms, phrases, AND, OR, NOT and parentheses.
    term(
      "SearchRestrictions",
      record({
        Searchable: bool(true),
        UnsupportedExpressions: {
          kind: "enumMember",
          type: `${capabilitiesAlias}.SearchExpressions`,
          member: "none",
        },
      }),
    ),
    // $select lists properties; it takes no nested query options.
    term(
      "SelectSupport",
      record({
        Supported: bool(true),
        InstanceAnnotationsSupported: bool(false),
        Expandable: bool(false),
        Filterable: bool(false),
        Searchable: bool(false),
        TopSupported: bool(false),
        SkipSupported: bool(false),
        ComputeSupported: bool(false),
        Countable: bool(false),
        Sortable: bool(false),
      }),
    ),
    // The entity type has no navigation properties to expand.
    term("ExpandRestrictions", record({ Expandable: bool(false) })),
    term("InsertRestrictions", record({ Insertable: bool(true) })),
    term("UpdateRestrictions", record({ Updatable: bool(true) })),
    term("DeleteRestrictions", record({ Deletable: bool(true) })),
  ];
}

function containerAnnotations(): Annotation[] {
  return [
    term("SupportedMetadataFormats", {
      kind: "strings",
      values: ["application/xml", "application/json"],
    }),
    // Every request of a JSON batch runs whatever the others return.
    term(
      "BatchSupport",
      record({
        Supported: bool(true),
        ContinueOnErrorSupported: bool(true),
        ReferencesInRequestBodiesSupported: bool(false),
        ReferencesAcrossChangeSetsSupported: bool(false),
        EtagReferencesSupported: bool(false),
        SupportedFormats: { kind: "strings", values: ["application/json"] },
      }),
    ),
  ];
}

/** Returns every annotation of the service, by target path. */
export function capabilityAnnotations(): AnnotationTarget[] {
  const container = `${namespace}.${containerName}`;
  return [
    { target: container, annotations: containerAnnotations() },
    {
      target: `${container}/deviceManagement/remoteActionAudits`,
      annotations: collectionAnnotations(),
    },
  ];
}
