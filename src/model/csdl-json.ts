/**
 * The `$metadata` document in the OData CSDL JSON 4.01 form, generated from
 * the same model and annotations as the XML form. In CSDL JSON a property
 * is `Edm.String` and not nullable unless `$Type` or `$Nullable` states
 * otherwise, so those defaults are omitted.
 */
import {
  capabilitiesAlias,
  capabilitiesNamespace,
  capabilitiesVocabularyUrl,
  capabilityAnnotations,
  containerName,
  type AnnotationValue,
} from "./capabilities.ts";
import {
  entityTypeName,
  keyValuePairTypeName,
  namespace,
  properties,
  type Property,
} from "./entity.ts";
import { enumTypes, type EnumType } from "./enums.ts";

type Json = Record<string, unknown>;

/** Type names as the XML form writes them, with the `graph` alias. */
function aliased(type: string): string {
  return type.replace(`${namespace}.`, "graph.");
}

function propertyJson(property: Property): Json {
  const json: Json = {};
  const collection = /^Collection\((.*)\)$/.exec(property.edmType);
  const type = collection?.[1] ?? property.edmType;
  if (collection !== null) json.$Collection = true;
  if (type !== "Edm.String") json.$Type = aliased(type);
  if (property.nullable) json.$Nullable = true;
  return json;
}

function enumJson(type: EnumType): Json {
  const json: Json = { $Kind: "EnumType" };
  for (const member of type.members) json[member.name] = member.value;
  return json;
}

function valueJson(value: AnnotationValue): unknown {
  switch (value.kind) {
    case "bool":
      return value.value;
    case "enumMember":
      return value.member;
    case "propertyPaths":
      return [...value.paths];
    case "strings":
      return [...value.values];
    case "record":
      return Object.fromEntries(
        Object.entries(value.properties).map(([name, field]) => [
          name,
          valueJson(field),
        ]),
      );
  }
}

function annotationsJson(): Json {
  const targets: Json = {};
  for (const target of capabilityAnnotations()) {
    const annotations: Json = {};
    for (const annotation of target.annotations) {
      annotations[`@${annotation.term}`] = valueJson(annotation.value);
    }
    targets[target.target] = annotations;
  }
  return targets;
}

function entityTypeJson(): Json {
  const json: Json = { $Kind: "EntityType", $BaseType: "graph.entity" };
  for (const property of properties) {
    if (property.name !== "id") json[property.name] = propertyJson(property);
  }
  return json;
}

function schemaJson(): Json {
  const schema: Json = { $Alias: "graph" };
  for (const type of enumTypes) schema[type.name] = enumJson(type);
  schema.entity = {
    $Kind: "EntityType",
    $Abstract: true,
    $Key: ["id"],
    id: {},
  };
  schema[keyValuePairTypeName] = {
    $Kind: "ComplexType",
    key: { $Nullable: true },
    value: { $Nullable: true },
  };
  schema[entityTypeName] = entityTypeJson();
  schema.deviceManagement = {
    $Kind: "EntityType",
    $BaseType: "graph.entity",
    remoteActionAudits: {
      $Kind: "NavigationProperty",
      $Collection: true,
      $Type: `graph.${entityTypeName}`,
      $ContainsTarget: true,
    },
  };
  schema[containerName] = {
    $Kind: "EntityContainer",
    deviceManagement: { $Type: "graph.deviceManagement" },
  };
  schema.$Annotations = annotationsJson();
  return schema;
}

/** Builds the `$metadata` document (OData CSDL JSON 4.01). */
export function buildCsdlJson(): Json {
  return {
    $Version: "4.01",
    $EntityContainer: `${namespace}.${containerName}`,
    $Reference: {
      [`${capabilitiesVocabularyUrl}.json`]: {
        $Include: [
          { $Namespace: capabilitiesNamespace, $Alias: capabilitiesAlias },
        ],
      },
    },
    [namespace]: schemaJson(),
  };
}
