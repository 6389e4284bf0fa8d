package datapipe.zetasql;

import com.google.zetasql.SimpleCatalog;
import com.google.zetasql.SimpleTable;
import com.google.zetasql.Type;
import com.google.zetasql.TypeFactory;
import com.google.zetasql.TypeParameters;
import com.google.zetasql.ZetaSQLOptions.ProductMode;
import com.google.zetasql.ZetaSQLType.TypeKind;
import com.google.zetasql.ZetaSQLTypeParameters.NumericTypeParametersProto;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The catalog the statements resolve against: tables by path ({@code project.dataset.table}),
 * columns typed by their GoogleSQL names as BigQuery's schemas spell them ({@code INT64},
 * {@code NUMERIC(18, 2)}). A catalog column holds the type only: ZetaSQL's tables carry no type
 * parameters, so {@code NUMERIC(18, 2)} reads as NUMERIC here; the parameters are checked where
 * they are declared, by analyzing the CREATE TABLE statements themselves.
 */
final class CatalogTables {
  /** GoogleSQL's type names (https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types). */
  private static final Map<String, TypeKind> TYPES = Map.ofEntries(
    Map.entry("INT64", TypeKind.TYPE_INT64),
    Map.entry("NUMERIC", TypeKind.TYPE_NUMERIC),
    Map.entry("BIGNUMERIC", TypeKind.TYPE_BIGNUMERIC),
    Map.entry("FLOAT64", TypeKind.TYPE_DOUBLE),
    Map.entry("BOOL", TypeKind.TYPE_BOOL),
    Map.entry("STRING", TypeKind.TYPE_STRING),
    Map.entry("BYTES", TypeKind.TYPE_BYTES),
    Map.entry("DATE", TypeKind.TYPE_DATE),
    Map.entry("DATETIME", TypeKind.TYPE_DATETIME),
    Map.entry("TIME", TypeKind.TYPE_TIME),
    Map.entry("TIMESTAMP", TypeKind.TYPE_TIMESTAMP),
    Map.entry("INTERVAL", TypeKind.TYPE_INTERVAL),
    Map.entry("JSON", TypeKind.TYPE_JSON),
    Map.entry("GEOGRAPHY", TypeKind.TYPE_GEOGRAPHY));

  /** {@code NAME}, {@code NAME(p)} or {@code NAME(p, s)}. */
  private static final Pattern TYPE_TEXT = Pattern.compile("([A-Za-z0-9]+)\\s*(?:\\(\\s*(\\d+)\\s*(?:,\\s*(\\d+)\\s*)?\\))?");

  private CatalogTables() {}

  static final class TableRequest {
    List<String> path;
    List<ColumnRequest> columns;
  }

  static final class ColumnRequest {
    String name;
    String type;
  }

  /** A catalog holding the tables, each under the nested catalogs of its path's leading parts. */
  static SimpleCatalog catalog(List<TableRequest> tables, ProductMode mode) {
    SimpleCatalog root = new SimpleCatalog("datapipe");
    for (TableRequest request : tables) {
      if (request.path == null || request.path.isEmpty()) throw new IllegalArgumentException("tables: a table without a path");
      SimpleCatalog parent = root;
      for (String part : request.path.subList(0, request.path.size() - 1)) {
        SimpleCatalog child = parent.getCatalog(part);
        parent = child != null ? child : parent.addNewSimpleCatalog(part);
      }
      String name = request.path.get(request.path.size() - 1);
      SimpleTable table = new SimpleTable(name);
      if (request.columns == null || request.columns.isEmpty()) throw new IllegalArgumentException("tables: " + String.join(".", request.path) + " has no columns");
      for (ColumnRequest column : request.columns) {
        table.addSimpleColumn(column.name, type(column.type, String.join(".", request.path) + "." + column.name));
      }
      parent.addSimpleTable(name, table);
    }
    return root;
  }

  /** The type a GoogleSQL type name stands for; {@code what} names it in the error. */
  static Type type(String text, String what) {
    Matcher m = TYPE_TEXT.matcher(text == null ? "" : text.trim());
    TypeKind kind = m.matches() ? TYPES.get(m.group(1).toUpperCase(Locale.ROOT)) : null;
    if (kind == null) throw new IllegalArgumentException(what + ": " + text + " is not a GoogleSQL type this tool knows (" + String.join(", ", TYPES.keySet()) + ")");
    return TypeFactory.createSimpleType(kind);
  }

  /** A resolved type as BigQuery spells it: {@code NUMERIC(18, 2)}, {@code STRING(10)}, {@code FLOAT64}. */
  static String typeText(Type type, TypeParameters parameters) {
    String name = type.typeName(ProductMode.PRODUCT_EXTERNAL);
    if (parameters == null || parameters.isEmpty()) return name;
    if (parameters.isNumericTypeParameters()) {
      NumericTypeParametersProto numeric = parameters.getTypeParameterProto().getNumericTypeParameters();
      String precision = numeric.getIsMaxPrecision() ? "MAX" : Long.toString(numeric.getPrecision());
      return name + "(" + precision + ", " + numeric.getScale() + ")";
    }
    if (parameters.isStringTypeParameters()) {
      var string = parameters.getStringTypeParameters();
      return name + "(" + (string.getIsMaxLength() ? "MAX" : Long.toString(string.getMaxLength())) + ")";
    }
    return name + " " + parameters.debugString();
  }
}
