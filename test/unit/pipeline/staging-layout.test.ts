import { describe, expect, it } from 'vitest';
import { StagingLayout } from '../../../shared/pipeline/staging-layout.js';

const RUN = '20261126T020000123Z-9f3a1c';

describe('StagingLayout', () => {
  it('puts a table under <prefix>/<project>/<lowercased table>, trimming slashes from the prefix', () => {
    expect(new StagingLayout('datapipe', 'erp', 'VENTAS_CABECERA').base).toBe('datapipe/erp/ventas_cabecera');
    expect(new StagingLayout('/datapipe/raw/', 'erp', 'Ventas').base).toBe('datapipe/raw/erp/ventas');
    expect(new StagingLayout('//', 'erp', 'VENTAS').base).toBe('erp/ventas');
  });

  it('starts at the project when there is no prefix', () => {
    expect(new StagingLayout(undefined, 'erp', 'VENTAS_CABECERA').base).toBe('erp/ventas_cabecera');
    expect(new StagingLayout('', 'erp', 'VENTAS_CABECERA').base).toBe('erp/ventas_cabecera');
  });

  it('names every object of a run, with and without a prefix', () => {
    const prefixed = new StagingLayout('datapipe', 'erp', 'VENTAS_CABECERA');
    expect(prefixed.stateKey).toBe('datapipe/erp/ventas_cabecera/_state.json');
    expect(prefixed.runPrefix(RUN)).toBe(`datapipe/erp/ventas_cabecera/run=${RUN}/`);
    expect(prefixed.windowKey(RUN)).toBe(`datapipe/erp/ventas_cabecera/run=${RUN}/_window.json`);
    expect(prefixed.partKey(RUN, 3, '0a1b2c3d', 12)).toBe(`datapipe/erp/ventas_cabecera/run=${RUN}/part-0003-0a1b2c3d-000012.avro`);
    expect(prefixed.partKey(RUN, 0, 'ffffffff', 0)).toBe(`datapipe/erp/ventas_cabecera/run=${RUN}/part-0000-ffffffff-000000.avro`);
    expect(prefixed.runEntryKey(RUN)).toBe(`datapipe/erp/ventas_cabecera/_runs/${RUN}.json`);
    expect(prefixed.runIndexPrefix).toBe('datapipe/erp/ventas_cabecera/_runs/');

    const bare = new StagingLayout(undefined, 'erp', 'VENTAS_CABECERA');
    expect(bare.stateKey).toBe('erp/ventas_cabecera/_state.json');
    expect(bare.windowKey('r1')).toBe('erp/ventas_cabecera/run=r1/_window.json');
    expect(bare.partKey('r1', 1023, 'a', 999_999)).toBe('erp/ventas_cabecera/run=r1/part-1023-a-999999.avro');
  });

  it('has one manifest per chunk, and the plain name for a run read in one piece', () => {
    const layout = new StagingLayout(undefined, 'erp', 'VENTAS');
    expect(layout.manifestKey('r1', undefined)).toBe('erp/ventas/run=r1/_manifest.json');
    expect(layout.manifestKey('r1', { index: 0, count: 1 })).toBe('erp/ventas/run=r1/_manifest.json');
    expect(layout.manifestKey('r1', { index: 0, count: 8 })).toBe('erp/ventas/run=r1/_manifest-0000.json');
    expect(layout.manifestKey('r1', { index: 2, count: 8 })).toBe('erp/ventas/run=r1/_manifest-0002.json');
    expect(layout.manifestKey('r1', { index: 1023, count: 1024 })).toBe('erp/ventas/run=r1/_manifest-1023.json');
  });

  it('sorts one attempt\'s part keys in write order within a run', () => {
    const layout = new StagingLayout(undefined, 'erp', 'VENTAS');
    const keys = [layout.partKey('r', 0, 'a', 2), layout.partKey('r', 0, 'a', 10), layout.partKey('r', 1, 'a', 0), layout.partKey('r', 10, 'a', 0)];
    expect([...keys].reverse().sort()).toEqual(keys);
  });

  describe('runIdOf', () => {
    const layout = new StagingLayout('datapipe', 'erp', 'VENTAS');

    it('reads the run id from any key in a run folder', () => {
      expect(layout.runIdOf(layout.partKey(RUN, 0, 'a', 1))).toBe(RUN);
      expect(layout.runIdOf(layout.manifestKey('scheduled__2026-11-26T02_00_00_00_00', { index: 2, count: 8 }))).toBe('scheduled__2026-11-26T02_00_00_00_00');
      expect(layout.runIdOf(layout.windowKey('r1'))).toBe('r1');
    });

    it('is null for keys outside a run folder', () => {
      expect(layout.runIdOf(layout.stateKey)).toBeNull();
      expect(layout.runIdOf('datapipe/erp/ventas/run=r1')).toBeNull();
      expect(layout.runIdOf('datapipe/erp/ventas/run=/x.avro')).toBeNull();
    });

    it('is null for keys of another table whose name starts with this one', () => {
      expect(layout.runIdOf('datapipe/erp/ventas_hist/run=r9/part-0000-000000.avro')).toBeNull();
      expect(layout.runIdOf('datapipe/erp/ventas2/run=r9/_manifest.json')).toBeNull();
    });

    it('is null for keys of another project or prefix', () => {
      expect(layout.runIdOf('other/erp/ventas/run=r9/part-0000-000000.avro')).toBeNull();
      expect(layout.runIdOf('erp/ventas/run=r9/part-0000-000000.avro')).toBeNull();
    });
  });
});
