import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { DOMParser, type Element } from "@xmldom/xmldom";

import { properties } from "../../src/model/entity.ts";
import { enumTypes } from "../../src/model/enums.ts";
import {
  collectionUrl,
  startTestService,
  type TestService,
} from "../helpers/service.ts";

const edmx = "http://docs.oasis-open.org/odata/ns/edmx";
const edm = "http://docs.oasis-open.org/odata/ns/edm";
const collectionTarget =
  "microsoft.graph.GraphService/deviceManagement/remoteActionAudits";

/** The capability annotations the service must declare, as JSON values. */
const expectedCollectionAnnotations = {
  "Capabilities.FilterRestrictions": {
    Filterable: true,
    RequiresFilter: false,
  },
  "Capabilities.SortRestrictions": {
    Sortable: true,
    NonSortableProperties: ["deviceActionDetails"],
  },
  "Capabilities.CountRestrictions": {
    Countable: true,
    NonCountableProperties: ["deviceActionDetails"],
  },
  "Capabilities.TopSupported": true,
  "Capabilities.SkipSupported": true,
  "Capabilities.IndexableByKey": true,
  "Capabilities.SearchRestrictions": {
    Searchable: true,
    UnsupportedExpressions: "none",
  },
  "Capabilities.SelectSupport": {
    Supported: true,
    InstanceAnnotationsSupported: false,
    Expandable: false,
    Filterable: false,
    Searchable: false,
    TopSupported: false,
    SkipSupported: false,
    ComputeSupported: false,
    Countable: false,
    Sortable: false,
  },
  "Capabilities.ExpandRestrictions": { Expandable: false },
  "Capabilities.InsertRestrictions": { Insertable: true },
  "Capabilities.UpdateRestrictions": { Updatable: true },
  "Capabilities.DeleteRestrictions": { Deletable: true },
};

const expectedContainerAnnotations = {
  "Capabilities.SupportedMetadataFormats": [
    "application/xml",
    "application/json",
  ],
  "Capabilities.BatchSupport": {
    Supported: true,
    ContinueOnErrorSupported: true,
    ReferencesInRequestBodiesSupported: false,
    ReferencesAcrossChangeSetsSupported: false,
    EtagReferencesSupported: false,
    SupportedFormats: ["application/json"],
  },
};

function parseXml(text: string) {
  const errors: string[] = [];
  const document = new DOMParser({
    onError: (level, message) => {
      errors.push(`${level}: ${message}`);
    },
  }).parseFromString(text, "application/xml");
  assert.deepEqual(errors, [], "the document is well-formed");
  return document;
}

function children(element: Element, name: string): Element[] {
  return Array.from(element.childNodes).filter(
    (node): node is Element =>
      node.nodeType === 1 && (node as Element).localName === name,
  );
}

function child(element: Element, name: string, attribute?: [string, string]) {
  const found = children(element, name).filter(
    (candidate) =>
      attribute === undefined ||
      candidate.getAttribute(attribute[0]) === attribute[1],
  );
  assert.equal(found.length, 1, `one ${name} ${attribute?.join("=") ?? ""}`);
  return found[0]!;
}

/** Reads an `Annotation` or `PropertyValue` element into a JSON value. */
function annotationValue(element: Element): unknown {
  const bool = element.getAttribute("Bool");
  if (bool !== null) return bool === "true";
  const member = element.getAttribute("EnumMember");
  if (member !== null) return member.replace(/^.*\//, "");
  const [collection] = children(element, "Collection");
  if (collection !== undefined) {
    return Array.from(collection.childNodes)
      .filter((node) => node.nodeType === 1)
      .map((node) => node.textContent);
  }
  const record = child(element, "Record");
  return Object.fromEntries(
    children(record, "PropertyValue").map((value) => [
      value.getAttribute("Property"),
      annotationValue(value),
    ]),
  );
}

function annotationsOf(schema: Element, target: string) {
  const block = child(schema, "Annotations", ["Target", target]);
  return Object.fromEntries(
    children(block, "Annotation").map((annotation) => [
      annotation.getAttribute("Term"),
      annotationValue(annotation),
    ]),
  );
}

describe("$metadata", () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
  });
  after(() => service.close());

  const metadata = (url = "/beta/$metadata", headers = {}) =>
    service.request({ url, headers: { authorization: "", ...headers } });

  test("XML structure follows the model", async () => {
    const response = await metadata();
    assert.equal(response.status, 200);
    assert.equal(response.headers["content-type"], "application/xml");
    const root = parseXml(response.text).documentElement!;
    assert.equal(root.namespaceURI, edmx);
    assert.equal(root.localName, "Edmx");
    assert.equal(root.getAttribute("Version"), "4.0");

    const reference = child(root, "Reference");
    const include = child(reference, "Include");
    assert.equal(include.namespaceURI, edmx);
    assert.equal(
      include.getAttribute("Namespace"),
      "Org.OData.Capabilities.V1",
    );
    assert.equal(include.getAttribute("Alias"), "Capabilities");

    const schema = child(child(root, "DataServices"), "Schema");
    assert.equal(schema.namespaceURI, edm);
    assert.equal(schema.getAttribute("Namespace"), "microsoft.graph");
    assert.equal(schema.getAttribute("Alias"), "graph");

    const entity = child(schema, "EntityType", ["Name", "remoteActionAudit"]);
    assert.equal(entity.getAttribute("BaseType"), "graph.entity");
    const declared = children(entity, "Property").map((property) => [
      property.getAttribute("Name"),
      property.getAttribute("Type"),
      property.getAttribute("Nullable") !== "false",
    ]);
    const expected = properties
      .filter((property) => property.name !== "id")
      .map((property) => [
        property.name,
        property.edmType.replace("microsoft.graph.", "graph."),
        property.nullable,
      ]);
    assert.deepEqual(declared, expected);

    const base = child(schema, "EntityType", ["Name", "entity"]);
    assert.equal(base.getAttribute("Abstract"), "true");
    const key = child(child(base, "Key"), "PropertyRef");
    assert.equal(key.getAttribute("Name"), "id");

    for (const type of enumTypes) {
      const element = child(schema, "EnumType", ["Name", type.name]);
      const members = children(element, "Member").map((member) => ({
        name: member.getAttribute("Name"),
        value: Number(member.getAttribute("Value")),
      }));
      assert.deepEqual(members, type.members);
    }

    const pair = child(schema, "ComplexType", [
      "Name",
      "keyValuePair_2OfString_String",
    ]);
    assert.deepEqual(
      children(pair, "Property").map((p) => p.getAttribute("Name")),
      ["key", "value"],
    );

    const container = child(schema, "EntityContainer", [
      "Name",
      "GraphService",
    ]);
    const singleton = child(container, "Singleton", [
      "Name",
      "deviceManagement",
    ]);
    assert.equal(singleton.getAttribute("Type"), "graph.deviceManagement");
    const owner = child(schema, "EntityType", ["Name", "deviceManagement"]);
    const navigation = child(owner, "NavigationProperty", [
      "Name",
      "remoteActionAudits",
    ]);
    assert.equal(
      navigation.getAttribute("Type"),
      "Collection(graph.remoteActionAudit)",
    );
    assert.equal(navigation.getAttribute("ContainsTarget"), "true");
  });

  test("XML capability annotations", async () => {
    const response = await metadata();
    const root = parseXml(response.text).documentElement!;
    const schema = child(child(root, "DataServices"), "Schema");
    assert.deepEqual(
      children(schema, "Annotations").map((a) => a.getAttribute("Target")),
      ["microsoft.graph.GraphService", collectionTarget],
    );
    assert.deepEqual(
      annotationsOf(schema, collectionTarget),
      expectedCollectionAnnotations,
    );
    assert.deepEqual(
      annotationsOf(schema, "microsoft.graph.GraphService"),
      expectedContainerAnnotations,
    );
  });

  test("JSON form on $format or Accept", async () => {
    const requests: [string, Record<string, string>][] = [
      ["/beta/$metadata?$format=application/json", {}],
      ["/beta/$metadata?$format=json", {}],
      ["/beta/$metadata?%24FORMAT=application%2Fjson", {}],
      ["/beta/$metadata", { accept: "application/json" }],
      ["/beta/$metadata", { accept: "application/json, */*;q=0.8" }],
      [
        "/beta/$metadata",
        { accept: "application/xml;q=0.5, application/json" },
      ],
    ];
    for (const [url, headers] of requests) {
      const response = await metadata(url, headers);
      const label = `${url} ${JSON.stringify(headers)}`;
      assert.equal(response.status, 200, label);
      assert.equal(
        response.headers["content-type"],
        "application/json; charset=utf-8",
        label,
      );
      assert.equal(response.json.$Version, "4.01", label);
    }
  });

  test("XML form on $format or Accept", async () => {
    const requests: [string, Record<string, string>][] = [
      ["/beta/$metadata?$format=xml", { accept: "application/json" }],
      ["/beta/$metadata?$format=application/xml", {}],
      ["/beta/$metadata", { accept: "*/*" }],
      [
        "/beta/$metadata",
        { accept: "application/json;q=0.5, application/xml" },
      ],
      ["/beta/$metadata", { accept: "application/json, application/xml" }],
    ];
    for (const [url, headers] of requests) {
      const response = await metadata(url, headers);
      const label = `${url} ${JSON.stringify(headers)}`;
      assert.equal(response.status, 200, label);
      assert.equal(response.headers["content-type"], "application/xml", label);
      assert.ok(response.text.startsWith("<?xml"), label);
    }
  });

  test("JSON CSDL structure", async () => {
    const response = await metadata("/beta/$metadata?$format=application/json");
    const document = response.json;
    assert.equal(document.$EntityContainer, "microsoft.graph.GraphService");
    assert.deepEqual(Object.values(document.$Reference), [
      {
        $Include: [
          { $Namespace: "Org.OData.Capabilities.V1", $Alias: "Capabilities" },
        ],
      },
    ]);
    const schema = document["microsoft.graph"];
    assert.equal(schema.$Alias, "graph");
    assert.deepEqual(schema.entity, {
      $Kind: "EntityType",
      $Abstract: true,
      $Key: ["id"],
      id: {},
    });
    assert.deepEqual(schema.remoteActionAudit, {
      $Kind: "EntityType",
      $BaseType: "graph.entity",
      action: { $Type: "graph.remoteAction" },
      actionState: { $Type: "graph.actionState" },
      requestDateTime: { $Type: "Edm.DateTimeOffset" },
      deviceDisplayName: { $Nullable: true },
      deviceIMEI: { $Nullable: true },
      deviceOwnerUserPrincipalName: { $Nullable: true },
      initiatedByUserPrincipalName: { $Nullable: true },
      managedDeviceId: { $Nullable: true },
      userName: { $Nullable: true },
      bulkDeviceActionId: { $Nullable: true },
      deviceActionCategory: { $Type: "graph.deviceActionCategory" },
      deviceActionDetails: {
        $Collection: true,
        $Type: "graph.keyValuePair_2OfString_String",
      },
    });
    assert.deepEqual(schema.deviceActionCategory, {
      $Kind: "EnumType",
      single: 0,
      bulk: 1,
    });
    assert.equal(schema.remoteAction.unknownFutureValue, 33);
    assert.deepEqual(schema.keyValuePair_2OfString_String, {
      $Kind: "ComplexType",
      key: { $Nullable: true },
      value: { $Nullable: true },
    });
    assert.deepEqual(schema.deviceManagement, {
      $Kind: "EntityType",
      $BaseType: "graph.entity",
      remoteActionAudits: {
        $Kind: "NavigationProperty",
        $Collection: true,
        $Type: "graph.remoteActionAudit",
        $ContainsTarget: true,
      },
    });
    assert.deepEqual(schema.GraphService, {
      $Kind: "EntityContainer",
      deviceManagement: { $Type: "graph.deviceManagement" },
    });
  });

  test("JSON annotations equal the XML ones", async () => {
    const response = await metadata("/beta/$metadata?$format=json");
    const annotations = response.json["microsoft.graph"].$Annotations;
    const prefixed = (values: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(values).map(([term, value]) => [`@${term}`, value]),
      );
    assert.deepEqual(annotations, {
      "microsoft.graph.GraphService": prefixed(expectedContainerAnnotations),
      [collectionTarget]: prefixed(expectedCollectionAnnotations),
    });
  });

  test("unsupported $format and options answer 400", async () => {
    const cases: [string, string][] = [
      [
        "/beta/$metadata?$format=atom",
        "The value 'atom' of '$format' is not supported on $metadata. " +
          "Use '$format=application/json' or '$format=application/xml'.",
      ],
      [
        "/beta/$metadata?$format=json&format=xml",
        "The query option '$format' appears more than once. Send each option once.",
      ],
      [
        "/beta/$metadata?$top=1",
        "The query option '$top' is not supported on this resource.",
      ],
    ];
    for (const [url, message] of cases) {
      const response = await metadata(url);
      assert.equal(response.status, 400, url);
      assert.equal(response.json.error.code, "BadRequest", url);
      assert.equal(response.json.error.message, message, url);
    }
  });

  test("Accept without XML or JSON answers 406", async () => {
    const response = await metadata("/beta/$metadata", { accept: "text/html" });
    assert.equal(response.status, 406);
    assert.equal(
      response.json.error.message,
      "The Accept header 'text/html' allows none of the formats of this " +
        "resource: application/xml, application/json. Accept one of them.",
    );
  });
});

describe("capability annotations hold", () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
    for (const id of ["c-1", "c-2", "c-3"]) {
      await service.request({
        method: "POST",
        url: collectionUrl,
        payload: { id },
      });
    }
  });
  after(() => service.close());

  test("deviceActionDetails is not sortable", async () => {
    const response = await service.request({
      url: `${collectionUrl}?$orderby=deviceActionDetails`,
    });
    assert.equal(response.status, 400);
    assert.equal(response.json.error.code, "BadRequest");
    // The wording belongs to the $orderby parser; the property must be named.
    assert.match(response.json.error.message, /'deviceActionDetails'/);
  });

  test("count, top, skip and select work", async () => {
    const counted = await service.request({ url: `${collectionUrl}/$count` });
    assert.equal(counted.text, "3");
    const page = await service.request({
      url: `${collectionUrl}?$top=1&$skip=1&$select=id&$count=true&$orderby=id`,
    });
    assert.equal(page.status, 200);
    assert.equal(page.json["@odata.count"], 3);
    assert.deepEqual(
      page.json.value.map((record: { id: string }) => record.id),
      ["c-2"],
    );
  });

  test("expand is rejected", async () => {
    const response = await service.request({
      url: `${collectionUrl}?$expand=deviceActionDetails`,
    });
    assert.equal(response.status, 400);
  });

  test("insert, update and delete work", async () => {
    const created = await service.request({
      method: "POST",
      url: collectionUrl,
      payload: { id: "c-4" },
    });
    assert.equal(created.status, 201);
    const updated = await service.request({
      method: "PATCH",
      url: `${collectionUrl}/c-4`,
      payload: { actionState: "done" },
    });
    assert.equal(updated.status, 200);
    const deleted = await service.request({
      method: "DELETE",
      url: `${collectionUrl}/c-4`,
    });
    assert.equal(deleted.status, 204);
  });
});
