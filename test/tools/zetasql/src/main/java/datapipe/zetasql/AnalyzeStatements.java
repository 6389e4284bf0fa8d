package datapipe.zetasql;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.zetasql.Analyzer;
import com.google.zetasql.AnalyzerOptions;
import com.google.zetasql.LanguageOptions;
import com.google.zetasql.ParseResumeLocation;
import com.google.zetasql.Parser;
import com.google.zetasql.PreparedExpression;
import com.google.zetasql.SimpleCatalog;
import com.google.zetasql.SqlException;
import com.google.zetasql.ZetaSQLBuiltinFunctionOptions;
import com.google.zetasql.ZetaSQLOptions.LanguageFeature;
import com.google.zetasql.ZetaSQLOptions.ProductMode;
import com.google.zetasql.ZetaSQLResolvedNodeKind.ResolvedNodeKind;
import com.google.zetasql.resolvedast.ResolvedNodes.ResolvedColumnDefinition;
import com.google.zetasql.resolvedast.ResolvedNodes.ResolvedCreateTableStmtBase;
import com.google.zetasql.resolvedast.ResolvedNodes.ResolvedOutputColumn;
import com.google.zetasql.resolvedast.ResolvedNodes.ResolvedQueryStmt;
import com.google.zetasql.resolvedast.ResolvedNodes.ResolvedStatement;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Analyzes SQL with ZetaSQL, the SQL front end BigQuery is built on, and says for each statement
 * whether it resolves: one JVM for a whole batch, JSON in on stdin, JSON out on stdout.
 *
 * <p>In: {@code {"productMode", "languageFeatures": [LanguageFeature names], "statementKinds":
 * [ResolvedNodeKind names], "reservedKeywords": [...], "tables": [{"path": [project, dataset,
 * table], "columns": [{"name", "type"}]}], "statements": [{"id", "sql", "script", "params":
 * {name: type}}]}}. Only the listed language features are enabled: the caller states, and
 * documents, what its warehouse supports. A {@code script} is a multi-statement query: parsed whole
 * by the script parser, then analyzed statement by statement from its exact text
 * (analyzeNextStatement), so its line:column positions are the script's own.
 *
 * <p>Out: {@code {"verdicts": [{"id", "ok", "error"?, "scriptStatements"?, "statements": [{"kind",
 * "output"?, "columns"?}]}]}}: a rejected statement carries ZetaSQL's one-line message with its position; an
 * analyzed query its output columns, an analyzed CREATE TABLE its columns as resolved (type with
 * parameters, NOT NULL). Exit 0 whatever the verdicts; 2 when the request itself is unusable.
 *
 * <p>Also {@code "evaluations": [{"id", "sql"}]}: each a constant GoogleSQL expression of type
 * STRING, executed by ZetaSQL's reference evaluator (PreparedExpression) — what BigQuery's functions
 * return, where no BigQuery runs. Out: {@code "values": [{"id", "value"?, "error"?}]}.
 */
public final class AnalyzeStatements {
  /** gRPC, bundled inside the client, warns on stderr about resolvers the in-process channel never uses. */
  private static final Logger GRPC_LOG = Logger.getLogger("com.google.zetasql.io.grpc");

  private AnalyzeStatements() {}

  public static void main(String[] args) {
    GRPC_LOG.setLevel(Level.SEVERE);
    Request request;
    Options options;
    try {
      Reader in = new InputStreamReader(System.in, StandardCharsets.UTF_8);
      request = new Gson().fromJson(in, Request.class);
      if (request == null) throw new IllegalArgumentException("no request on stdin");
      options = options(request);
    } catch (IllegalArgumentException | JsonParseException e) {
      fail(e.getMessage());
      return;
    }
    List<Verdict> verdicts = new ArrayList<>();
    for (StatementRequest statement : nonNull(request.statements)) verdicts.add(analyze(statement, options));
    List<Evaluated> values = new ArrayList<>();
    for (EvaluationRequest evaluation : nonNull(request.evaluations)) values.add(evaluate(evaluation, options));
    Writer out = new OutputStreamWriter(System.out, StandardCharsets.UTF_8);
    new GsonBuilder().disableHtmlEscaping().create().toJson(Map.of("verdicts", verdicts, "values", values), out);
    try {
      out.flush();
    } catch (java.io.IOException e) {
      fail("cannot write the verdicts: " + e.getMessage());
    }
  }

  /** The language, the catalog and the functions every statement is analyzed against. */
  private record Options(LanguageOptions language, SimpleCatalog catalog) {}

  private static Options options(Request request) {
    LanguageOptions language = new LanguageOptions();
    language.setProductMode(request.productMode == null ? ProductMode.PRODUCT_EXTERNAL : enumValue(ProductMode.class, request.productMode, "productMode"));
    Set<LanguageFeature> features = EnumSet.noneOf(LanguageFeature.class);
    for (String name : nonNull(request.languageFeatures)) features.add(enumValue(LanguageFeature.class, name, "languageFeatures"));
    language.setEnabledLanguageFeatures(features);
    Set<ResolvedNodeKind> kinds = EnumSet.noneOf(ResolvedNodeKind.class);
    for (String name : nonNull(request.statementKinds)) kinds.add(enumValue(ResolvedNodeKind.class, name, "statementKinds"));
    if (kinds.isEmpty()) throw new IllegalArgumentException("statementKinds: name at least one statement kind (RESOLVED_QUERY_STMT, ...)");
    language.setSupportedStatementKinds(kinds);
    for (String keyword : nonNull(request.reservedKeywords)) language.enableReservableKeyword(keyword);
    SimpleCatalog catalog = CatalogTables.catalog(nonNull(request.tables), language.getProductMode());
    catalog.addZetaSQLFunctionsAndTypes(new ZetaSQLBuiltinFunctionOptions(language));
    return new Options(language, catalog);
  }

  private static Verdict analyze(StatementRequest statement, Options options) {
    Verdict verdict = new Verdict(statement.id);
    AnalyzerOptions analyzer = new AnalyzerOptions();
    analyzer.setLanguageOptions(options.language());
    analyzer.setDefaultTimezone("UTC");
    try {
      for (Map.Entry<String, String> param : nonNull(statement.params).entrySet()) {
        analyzer.addQueryParameter(param.getKey(), CatalogTables.type(param.getValue(), "parameter " + param.getKey()));
      }
      String sql = statement.sql == null ? "" : statement.sql;
      if (statement.script) {
        // First the whole text through the script parser, as BigQuery reads a multi-statement
        // query; then each statement resolved in turn from the same text.
        verdict.scriptStatements = Parser.parseScript(sql, options.language()).getStatementListNode().getStatementList().size();
        ParseResumeLocation location = new ParseResumeLocation(sql);
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        while (!new String(bytes, location.getBytePosition(), bytes.length - location.getBytePosition(), StandardCharsets.UTF_8).isBlank()) {
          verdict.statements.add(describe(Analyzer.analyzeNextStatement(location, analyzer, options.catalog())));
        }
      } else {
        verdict.statements.add(describe(Analyzer.analyzeStatement(sql, analyzer, options.catalog())));
      }
      verdict.ok = true;
    } catch (SqlException | IllegalArgumentException e) {
      verdict.ok = false;
      verdict.error = e.getMessage();
    }
    return verdict;
  }

  /** What a resolved statement is, and what a reader of it would check: its columns. */
  private static Analyzed describe(ResolvedStatement resolved) {
    Analyzed analyzed = new Analyzed(resolved.nodeKindString());
    if (resolved instanceof ResolvedQueryStmt query) {
      analyzed.output = new ArrayList<>();
      for (ResolvedOutputColumn column : query.getOutputColumnList()) {
        analyzed.output.add(new ColumnOut(column.getName(), CatalogTables.typeText(column.getColumn().getType(), null), null));
      }
    }
    if (resolved instanceof ResolvedCreateTableStmtBase create) {
      analyzed.columns = new ArrayList<>();
      for (ResolvedColumnDefinition column : create.getColumnDefinitionList()) {
        var annotations = column.getAnnotations();
        analyzed.columns.add(new ColumnOut(
          column.getName(),
          CatalogTables.typeText(column.getType(), annotations == null ? null : annotations.getTypeParameters()),
          annotations != null && annotations.getNotNull()));
      }
    }
    return analyzed;
  }

  /** One constant STRING expression, executed; its value or ZetaSQL's message. */
  private static Evaluated evaluate(EvaluationRequest evaluation, Options options) {
    AnalyzerOptions analyzer = new AnalyzerOptions();
    analyzer.setLanguageOptions(options.language());
    analyzer.setDefaultTimezone("UTC");
    try (PreparedExpression expression = new PreparedExpression(evaluation.sql == null ? "" : evaluation.sql)) {
      expression.prepare(analyzer);
      var value = expression.execute();
      return new Evaluated(evaluation.id, value.isNull() ? null : value.getStringValue(), null);
    } catch (RuntimeException e) {
      return new Evaluated(evaluation.id, null, String.valueOf(e.getMessage()).split("\n")[0]);
    }
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, String name, String field) {
    try {
      return Enum.valueOf(type, name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": " + name + " is not a ZetaSQL " + type.getSimpleName());
    }
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static Map<String, String> nonNull(Map<String, String> map) {
    return map == null ? Map.of() : map;
  }

  private static void fail(String message) {
    System.err.println("zetasql: " + message);
    System.exit(2);
  }

  /** The request on stdin (field names are the JSON's). */
  static final class Request {
    String productMode;
    List<String> languageFeatures;
    List<String> statementKinds;
    List<String> reservedKeywords;
    List<CatalogTables.TableRequest> tables;
    List<StatementRequest> statements;
    List<EvaluationRequest> evaluations;
  }

  static final class EvaluationRequest {
    String id;
    String sql;
  }

  record Evaluated(String id, String value, String error) {}

  static final class StatementRequest {
    String id;
    String sql;
    boolean script;
    LinkedHashMap<String, String> params;
  }

  static final class Verdict {
    final String id;
    boolean ok;
    String error;
    /** For a script: how many statements the script parser found in it. */
    Integer scriptStatements;
    final List<Analyzed> statements = new ArrayList<>();

    Verdict(String id) {
      this.id = id;
    }
  }

  static final class Analyzed {
    final String kind;
    List<ColumnOut> output;
    List<ColumnOut> columns;

    Analyzed(String kind) {
      this.kind = kind;
    }
  }

  record ColumnOut(String name, String type, Boolean notNull) {}
}
