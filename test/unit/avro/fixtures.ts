import { decimalTextToBytes } from '../../../shared/avro/decimal.js';
import type { Row, TableModel } from '../../../shared/model/column.js';
import { dateTextToDays, datetimeTextToMicros, timestampTextToMicros } from '../../../shared/model/temporal.js';

/** One column of every canonical kind; all but the key nullable. */
export const everyKindModel: TableModel = {
  sourceSchema: 'VENTAS', sourceName: 'EDGE_CASES', name: 'edge_cases', primaryKeys: ['id'],
  columns: [
    { name: 'id', sourceName: 'ID', sourceType: 'NUMBER(18)', type: { kind: 'int64' }, nullable: false },
    { name: 'flag', sourceName: 'FLAG', sourceType: 'BOOLEAN', type: { kind: 'boolean' }, nullable: true },
    { name: 'small', sourceName: 'SMALL', sourceType: 'BINARY_FLOAT', type: { kind: 'float32' }, nullable: true },
    { name: 'big', sourceName: 'BIG', sourceType: 'BINARY_DOUBLE', type: { kind: 'float64' }, nullable: true },
    { name: 'amount', sourceName: 'AMOUNT', sourceType: 'NUMBER(18,2)', type: { kind: 'decimal', precision: 18, scale: 2 }, nullable: true },
    {
      name: 'wide', sourceName: 'WIDE', sourceType: 'NUMBER', type: { kind: 'decimal', precision: 38, scale: 0 }, nullable: true,
      decision: 'unconstrained NUMBER: profiled as integers of up to 38 digits',
    },
    { name: 'name', sourceName: 'NAME', sourceType: 'NVARCHAR2(100)', type: { kind: 'string' }, nullable: true },
    { name: 'doc_json', sourceName: 'DOC#JSON', sourceType: 'JSON', type: { kind: 'json' }, nullable: true },
    { name: 'span', sourceName: 'SPAN', sourceType: 'INTERVAL DAY(2) TO SECOND(6)', type: { kind: 'interval' }, nullable: true },
    { name: 'blob', sourceName: 'BLOB', sourceType: 'BLOB', type: { kind: 'bytes' }, nullable: true },
    { name: 'day', sourceName: 'DAY', sourceType: 'date', type: { kind: 'date' }, nullable: true },
    {
      name: 'at', sourceName: 'AT', sourceType: 'TIMESTAMP(9)', type: { kind: 'datetime' }, nullable: true,
      decision: 'TIMESTAMP(9): sub-microsecond digits are truncated',
    },
    { name: 'instant', sourceName: 'INSTANT', sourceType: 'TIMESTAMP(6) WITH TIME ZONE', type: { kind: 'timestamp' }, nullable: true },
    { name: 'counter', sourceName: 'COUNTER', sourceType: 'NUMBER(19)', type: { kind: 'int64' }, nullable: true },
  ],
};

/** Rows at the edges: extreme decimals and instants, unicode, empty and binary values, nulls. */
export function edgeRows(): Row[] {
  const row = (id: number | bigint, values: Partial<Row>): Row => ({
    id, flag: null, small: null, big: null, amount: null, wide: null, name: null, doc_json: null,
    span: null, blob: null, day: null, at: null, instant: null, counter: null, ...values,
  });
  return [
    row(1, {
      flag: true, small: 1.5, big: -0.1, amount: decimalTextToBytes('-.05', 18, 2),
      wide: decimalTextToBytes('99999999999999999999999999999999999999', 38, 0),
      name: 'Ñandú — 東京 🚀', doc_json: '{"a":[1,2,{"b":null}]}', span: 'P1DT2H3M4.5S',
      blob: Buffer.from([0, 1, 2, 0xfe, 0xff]), day: dateTextToDays('9999-12-31'),
      at: datetimeTextToMicros('9999-12-31T23:59:59.999999'), instant: timestampTextToMicros('9999-12-31T23:59:59.999999Z'),
      counter: 2n ** 63n - 1n,
    }),
    row(2, {
      flag: false, small: -0.25, big: 1e308, amount: decimalTextToBytes('9999999999999999.99', 18, 2),
      wide: decimalTextToBytes('-99999999999999999999999999999999999999', 38, 0),
      name: '', doc_json: '[]', span: 'P0D', blob: Buffer.alloc(0), day: dateTextToDays('0001-01-01'),
      at: datetimeTextToMicros('0001-01-01T00:00:00.000000'), instant: timestampTextToMicros('0001-01-01T00:00:00Z'),
      counter: -(2n ** 63n),
    }),
    row(3, {
      small: Math.fround(0.1), big: 5e-324, amount: decimalTextToBytes('0', 18, 2), wide: decimalTextToBytes('-0', 38, 0),
      name: 'line\nbreak\ttab "quoted" \\ back', day: dateTextToDays('1900-02-28'),
      at: datetimeTextToMicros('1969-12-31T23:59:59.999999'), instant: timestampTextToMicros('2024-02-29T12:00:00.000001+05:30'),
      counter: 2 ** 53 - 1,
    }),
    row(2n ** 62n, { amount: decimalTextToBytes('.5', 18, 2), counter: -(2 ** 53 - 1), day: dateTextToDays('2000-02-29') }),
    row(-(2 ** 53 - 1), {}),
  ];
}
