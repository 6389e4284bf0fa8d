import { describe, expect, it } from 'vitest';
import { bigQuerySchema } from '../../../shared/warehouses/bigquery/bigquery-schema.js';
import { targetDrift } from '../../../shared/warehouses/bigquery/bigquery-target-check.js';
import { ventas } from '../../support/model-fixtures.js';

/** ventas as tables.get reports it: legacy type names, parameters as strings. */
const REPORTED = [
  { name: 'id_venta', type: 'INTEGER', mode: 'REQUIRED' },
  { name: 'monto', type: 'NUMERIC', mode: 'NULLABLE', precision: '18', scale: '2' },
  { name: 'fecha_venta', type: 'DATETIME', mode: 'REQUIRED' },
  { name: 'tasa', type: 'FLOAT', mode: 'NULLABLE' },
  { name: 'cliente', type: 'STRING', mode: 'NULLABLE' },
];

describe('targetDrift', () => {
  const expected = bigQuerySchema(ventas);

  it('accepts the table DataPipe created, reported with legacy type names, plus extra columns', () => {
    expect(targetDrift(expected, [...REPORTED, { name: 'extra', type: 'BOOLEAN', mode: 'NULLABLE' }])).toBeNull();
  });

  it('accepts an unparameterised NUMERIC and columns spelt in another case', () => {
    const loose = REPORTED.map((f) => (f.name === 'monto' ? { name: 'MONTO', type: 'NUMERIC', mode: 'NULLABLE' } : f));
    expect(targetDrift(expected, loose)).toBeNull();
  });

  it('names missing and retyped columns, narrower parameters, REQUIRED columns and length limits', () => {
    const drifted = [
      { name: 'id_venta', type: 'STRING', mode: 'REQUIRED' },
      { name: 'monto', type: 'NUMERIC', mode: 'NULLABLE', precision: '10', scale: '2' },
      { name: 'fecha_venta', type: 'DATETIME', mode: 'REQUIRED' },
      { name: 'cliente', type: 'STRING', mode: 'NULLABLE', maxLength: '20' },
    ];
    expect(targetDrift(expected, drifted)).toBe(
      'differs from the schema: lacks column tasa; id_venta is STRING, the schema says INT64; monto is NUMERIC(10, 2), the schema says NUMERIC(18, 2); ' +
        'cliente is STRING(20), the schema says STRING — migrate the table or regenerate the schema',
    );
    const required = REPORTED.map((f) => (f.name === 'cliente' ? { ...f, mode: 'REQUIRED' } : f));
    expect(targetDrift(expected, required)).toBe('differs from the schema: cliente is REQUIRED, the schema allows NULL — migrate the table or regenerate the schema');
  });
});
