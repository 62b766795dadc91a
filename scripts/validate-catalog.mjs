// Validates catalog-info.yaml offline with @backstage/catalog-model: the entity policies and the kind
// validators that Backstage's catalog backend applies when it ingests the file, then the references
// between entities (owner, system, providesApis, dependsOn) and the API's `$text` definition file.
// Usage: node scripts/validate-catalog.mjs [catalog-info.yaml]   (exit 1 on the first invalid entity)
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  EntityPolicies,
  DefaultNamespaceEntityPolicy,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';

const file = process.argv[2] ?? 'catalog-info.yaml';
const policy = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);
const kindValidators = [
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
];
const errors = [];
const entities = [];

// What the catalog's PlaceholderProcessor does before validation: `{$text: path}` becomes the file's text
// (`$json` its parsed content), read relative to the catalog file. A missing file is an error.
function substitute(value, label) {
  if (Array.isArray(value)) return value.map(v => substitute(v, label));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === '$text' || keys[0] === '$json')) {
    const path = resolve(dirname(file), value[keys[0]]);
    if (!existsSync(path)) {
      errors.push(`${label}: ${keys[0]} ${value[keys[0]]} does not exist`);
      return '';
    }
    const text = readFileSync(path, 'utf8');
    return keys[0] === '$text' ? text : JSON.parse(text);
  }
  return Object.fromEntries(keys.map(k => [k, substitute(value[k], label)]));
}

for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
  if (doc.errors.length) {
    errors.push(`${file}: YAML: ${doc.errors.map(e => e.message).join('; ')}`);
    continue;
  }
  const raw = doc.toJS();
  if (raw === null) continue;
  const label = `${raw.kind ?? '?'}:${raw.metadata?.name ?? '?'}`;
  try {
    const entity = await policy.enforce(substitute(raw, label));
    let known = false;
    for (const validator of kindValidators) {
      if (await validator.check(entity)) known = true;
    }
    if (!known) throw new Error(`no validator accepts kind ${entity.apiVersion}/${entity.kind}`);
    entities.push(entity);
  } catch (error) {
    errors.push(`${label}: ${error.message}`);
  }
}

const refs = new Set(entities.map(e => stringifyEntityRef(e).toLowerCase()));
const refOf = (value, defaultKind) =>
  stringifyEntityRef(parseEntityRef(value, { defaultKind, defaultNamespace: 'default' })).toLowerCase();
for (const entity of entities) {
  const label = stringifyEntityRef(entity);
  const spec = entity.spec ?? {};
  const wanted = [];
  if (spec.owner) wanted.push(['owner', refOf(spec.owner, 'group')]);
  if (spec.system) wanted.push(['system', refOf(spec.system, 'system')]);
  for (const api of spec.providesApis ?? []) wanted.push(['providesApis', refOf(api, 'api')]);
  for (const api of spec.consumesApis ?? []) wanted.push(['consumesApis', refOf(api, 'api')]);
  for (const dep of spec.dependsOn ?? []) wanted.push(['dependsOn', refOf(dep, 'component')]);
  for (const [field, ref] of wanted) {
    if (!refs.has(ref)) errors.push(`${label}: ${field} ${ref} is not defined in ${file}`);
  }
  if (entity.kind === 'API' && spec.type === 'openapi') {
    try {
      if (!JSON.parse(spec.definition).openapi) throw new Error('no `openapi` field');
    } catch (error) {
      errors.push(`${label}: the definition is not an OpenAPI document (${error.message})`);
    }
  }
  const techdocs = entity.metadata.annotations?.['backstage.io/techdocs-ref'];
  if (techdocs?.startsWith('dir:') && !existsSync(resolve(dirname(file), techdocs.slice(4), 'mkdocs.yml'))) {
    errors.push(`${label}: techdocs-ref ${techdocs} has no mkdocs.yml`);
  }
}

if (errors.length) {
  for (const error of errors) console.error(`invalid: ${error}`);
  process.exit(1);
}
console.log(`${file}: ${entities.length} entities valid (${entities.map(e => stringifyEntityRef(e)).join(', ')})`);
