/**
 * A reader for the subset of the Prisma schema language this project uses (models, scalar fields, @id, @map,
 * @@map, @@id, @@index, @@unique, @db.* native types, relation fields), enough to compare the schema with a live
 * database. Relation fields (typed by another model) have no column of their own: their foreign key is a scalar field.
 */
export interface ParsedColumn {
  field: string;
  column: string;
  /** PostgreSQL type as information_schema reports it, e.g. `numeric(18,6)`, `timestamp with time zone`. */
  sqlType: string;
  nullable: boolean;
  hasDefault: boolean;
}

export interface ParsedModel {
  model: string;
  table: string;
  columns: ParsedColumn[];
  primaryKey: string[];
  /** Index name → columns, including unique ones. */
  indexes: Map<string, string[]>;
}

const SCALAR_SQL: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Decimal: 'numeric(65,30)',
  Json: 'jsonb',
};

function nativeSql(native: string): string {
  const match = /^(\w+)(?:\(([\d, ]+)\))?$/.exec(native);
  if (!match) throw new Error(`cannot read native type @db.${native}`);
  const [, name, args] = match;
  switch (name) {
    case 'Timestamptz':
      return `timestamp(${args ?? '3'}) with time zone`;
    case 'Timestamp':
      return `timestamp(${args ?? '3'}) without time zone`;
    case 'Date':
      return 'date';
    case 'SmallInt':
      return 'smallint';
    case 'Decimal':
      return `numeric(${(args ?? '65,30').replace(/\s/g, '')})`;
    case 'Text':
      return 'text';
    case 'VarChar':
      return `character varying(${args})`;
    default:
      throw new Error(`unsupported native type @db.${native}`);
  }
}

const list = (text: string) => text.split(',').map((item) => item.trim().replace(/\(.*\)$/, ''));

export function parsePrismaSchema(source: string): ParsedModel[] {
  const models: ParsedModel[] = [];
  const modelPattern = /^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm;
  const modelNames = new Set([...source.matchAll(modelPattern)].map((match) => match[1]!));
  for (const [, model, body] of source.matchAll(modelPattern)) {
    const parsed: ParsedModel = { model: model!, table: model!, columns: [], primaryKey: [], indexes: new Map() };
    const lines = body!
      .split('\n')
      .map((line) => line.replace(/\/\/.*$/, '').trim())
      .filter(Boolean);
    const fieldToColumn = new Map<string, string>();
    const blockAttributes: string[] = [];
    for (const line of lines) {
      if (line.startsWith('@@')) {
        blockAttributes.push(line);
        continue;
      }
      const match = /^(\w+)\s+(\w+)(\?|\[\])?\s*(.*)$/.exec(line);
      if (!match) throw new Error(`cannot read line in model ${model}: ${line}`);
      const [, field, type, modifier, attributes = ''] = match;
      if (modelNames.has(type!)) continue;
      const column = /@map\("([^"]+)"\)/.exec(attributes)?.[1] ?? field!;
      const native = /@db\.(\w+(?:\([^)]*\))?)/.exec(attributes)?.[1];
      fieldToColumn.set(field!, column);
      parsed.columns.push({
        field: field!,
        column,
        sqlType: `${native ? nativeSql(native) : (SCALAR_SQL[type!] ?? `unknown ${type}`)}${modifier === '[]' ? '[]' : ''}`,
        nullable: modifier === '?',
        hasDefault: /@default\(/.test(attributes),
      });
      if (/@id\b/.test(attributes)) parsed.primaryKey = [column];
    }
    const columnsOf = (fields: string) => list(fields).map((field) => fieldToColumn.get(field) ?? field);
    for (const attribute of blockAttributes) {
      const map = /^@@map\("([^"]+)"\)/.exec(attribute);
      if (map) parsed.table = map[1]!;
      const id = /^@@id\(\[([^\]]+)\]/.exec(attribute);
      if (id) parsed.primaryKey = columnsOf(id[1]!);
    }
    for (const attribute of blockAttributes) {
      const index = /^@@(index|unique)\(\[([^\]]+)\](?:.*map:\s*"([^"]+)")?/.exec(attribute);
      if (!index) continue;
      const columns = columnsOf(index[2]!);
      const suffix = index[1] === 'unique' ? 'key' : 'idx';
      parsed.indexes.set(index[3] ?? `${parsed.table}_${columns.join('_')}_${suffix}`, columns);
    }
    models.push(parsed);
  }
  return models;
}
