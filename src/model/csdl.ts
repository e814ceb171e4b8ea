/**
 * The CSDL XML document of the service, generated from the model so that
 * it always describes exactly the properties the API accepts and returns,
 * with capability annotations that say which query options and
 * modifications the remoteActionAudits collection supports.
 */
import {
  capabilitiesAlias,
  capabilitiesNamespace,
  capabilitiesVocabularyUrl,
  capabilityAnnotations,
  containerName,
  type Annotation,
  type AnnotationTarget,
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

function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function enumXml(type: EnumType): string[] {
  const members = type.members.map(
    (m) => `        <Member Name="${escapeXml(m.name)}" Value="${m.value}"/>`,
  );
  return [
    `      <EnumType Name="${type.name}">`,
    ...members,
    "      </EnumType>",
  ];
}

function propertyXml(property: Property): string {
  const type = property.edmType.replace(`${namespace}.`, "graph.");
  const nullable = property.nullable ? "" : ' Nullable="false"';
  return `        <Property Name="${property.name}" Type="${type}"${nullable}/>`;
}

/** Renders an annotation value inside an element, one line per child. */
function valueXml(value: AnnotationValue, indent: string): string[] {
  switch (value.kind) {
    case "bool":
    case "enumMember":
      throw new Error("inline values are rendered as attributes");
    case "propertyPaths":
      return [
        `${indent}<Collection>`,
        ...value.paths.map(
          (p) => `${indent}  <PropertyPath>${escapeXml(p)}</PropertyPath>`,
        ),
        `${indent}</Collection>`,
      ];
    case "strings":
      return [
        `${indent}<Collection>`,
        ...value.values.map(
          (v) => `${indent}  <String>${escapeXml(v)}</String>`,
        ),
        `${indent}</Collection>`,
      ];
    case "record":
      return [
        `${indent}<Record>`,
        ...Object.entries(value.properties).flatMap(([name, field]) =>
          valuedElement(
            "PropertyValue",
            `Property="${name}"`,
            field,
            `${indent}  `,
          ),
        ),
        `${indent}</Record>`,
      ];
  }
}

/** An `Annotation` or `PropertyValue` element with its value. */
function valuedElement(
  element: string,
  nameAttribute: string,
  value: AnnotationValue,
  indent: string,
): string[] {
  if (value.kind === "bool") {
    return [`${indent}<${element} ${nameAttribute} Bool="${value.value}"/>`];
  }
  if (value.kind === "enumMember") {
    const member = `${value.type}/${value.member}`;
    return [`${indent}<${element} ${nameAttribute} EnumMember="${member}"/>`];
  }
  return [
    `${indent}<${element} ${nameAttribute}>`,
    ...valueXml(value, `${indent}  `),
    `${indent}</${element}>`,
  ];
}

function annotationXml(annotation: Annotation, indent: string): string[] {
  return valuedElement(
    "Annotation",
    `Term="${annotation.term}"`,
    annotation.value,
    indent,
  );
}

function annotationsXml(target: AnnotationTarget): string[] {
  return [
    `      <Annotations Target="${target.target}">`,
    ...target.annotations.flatMap((a) => annotationXml(a, "        ")),
    "      </Annotations>",
  ];
}

/** Builds the `$metadata` document (OData CSDL XML 4.0). */
export function buildCsdlXml(): string {
  const entityProperties = properties.filter((p) => p.name !== "id");
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    `  <edmx:Reference Uri="${capabilitiesVocabularyUrl}.xml">`,
    `    <edmx:Include Namespace="${capabilitiesNamespace}" Alias="${capabilitiesAlias}"/>`,
    "  </edmx:Reference>",
    "  <edmx:DataServices>",
    `    <Schema Namespace="${namespace}" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">`,
    ...enumTypes.flatMap(enumXml),
    '      <EntityType Name="entity" Abstract="true">',
    '        <Key><PropertyRef Name="id"/></Key>',
    '        <Property Name="id" Type="Edm.String" Nullable="false"/>',
    "      </EntityType>",
    `      <ComplexType Name="${keyValuePairTypeName}">`,
    '        <Property Name="key" Type="Edm.String"/>',
    '        <Property Name="value" Type="Edm.String"/>',
    "      </ComplexType>",
    `      <EntityType Name="${entityTypeName}" BaseType="graph.entity">`,
    ...entityProperties.map(propertyXml),
    "      </EntityType>",
    '      <EntityType Name="deviceManagement" BaseType="graph.entity">',
    `        <NavigationProperty Name="remoteActionAudits" Type="Collection(graph.${entityTypeName})" ContainsTarget="true"/>`,
    "      </EntityType>",
    `      <EntityContainer Name="${containerName}">`,
    '        <Singleton Name="deviceManagement" Type="graph.deviceManagement"/>',
    "      </EntityContainer>",
    ...capabilityAnnotations().flatMap(annotationsXml),
    "    </Schema>",
    "  </edmx:DataServices>",
    "</edmx:Edmx>",
    "",
  ].join("\n");
}
