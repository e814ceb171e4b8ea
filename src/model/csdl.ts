/**
 * The CSDL XML document of the service, generated from the model so that
 * it always describes exactly the properties the API accepts and returns.
 */
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

/** Builds the `$metadata` document (OData CSDL XML 4.0). */
export function buildCsdlXml(): string {
  const entityProperties = properties.filter((p) => p.name !== "id");
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
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
    '      <EntityContainer Name="GraphService">',
    '        <Singleton Name="deviceManagement" Type="graph.deviceManagement"/>',
    "      </EntityContainer>",
    "    </Schema>",
    "  </edmx:DataServices>",
    "</edmx:Edmx>",
    "",
  ].join("\n");
}
