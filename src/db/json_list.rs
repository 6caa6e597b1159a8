//! `column IN (the values of one JSON array)` on SQLite: a list of values as one bound
//! parameter (`json_each`), so that the statement is the same whatever the list's length and
//! each connection prepares it once. diesel's `eq_any` binds each value, which makes a new
//! statement (parsed and planned again) for every call; PostgreSQL has no such cost
//! (`= ANY($1)`, one parameter), so this is for SQLite's own connection only.

use diesel::QueryResult;
use diesel::expression::{AppearsOnTable, Expression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Text};
use diesel::sqlite::Sqlite;

/// `column IN (SELECT value FROM json_each(?))`, the values bound as one JSON array.
#[derive(Debug, Clone)]
pub struct InJsonList<C> {
    column: C,
    values: String,
}

/// `column` is one of `values` (a text column), for queries on SQLite's own connection.
pub fn in_json_list<C>(column: C, values: &[String]) -> InJsonList<C>
where
    C: Expression<SqlType = Text>,
{
    InJsonList {
        column,
        values: serde_json::Value::from(values).to_string(),
    }
}

impl<C> Expression for InJsonList<C> {
    type SqlType = Bool;
}

impl<C, QS> AppearsOnTable<QS> for InJsonList<C> where C: AppearsOnTable<QS> {}

impl<C, GB> ValidGrouping<GB> for InJsonList<C>
where
    C: ValidGrouping<GB>,
{
    type IsAggregate = C::IsAggregate;
}

impl<C: 'static> QueryId for InJsonList<C> {
    type QueryId = InJsonList<C>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<C> QueryFragment<Sqlite> for InJsonList<C>
where
    C: QueryFragment<Sqlite>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.values)?;
        out.push_sql("))");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    diesel::table! {
        words (id) {
            id -> Text,
        }
    }

    /// The rows whose value is listed, whatever the list (empty, with quotes, repeated), and
    /// one prepared statement for lists of every length.
    #[test]
    fn finds_the_listed_values_with_one_statement() {
        let mut conn = diesel::SqliteConnection::establish(":memory:").expect("in memory");
        conn.batch_execute(
            "CREATE TABLE words (id TEXT PRIMARY KEY NOT NULL); \
             INSERT INTO words VALUES ('a'), ('b'), ('c\"d'), ('é');",
        )
        .expect("table");
        let find = |conn: &mut diesel::SqliteConnection, values: &[&str]| -> Vec<String> {
            let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
            words::table
                .filter(super::in_json_list(words::id, &values))
                .select(words::id)
                .order(words::id)
                .load(conn)
                .expect("query")
        };
        assert_eq!(find(&mut conn, &[]), Vec::<String>::new());
        assert_eq!(find(&mut conn, &["b", "zz", "a", "b"]), ["a", "b"]);
        assert_eq!(find(&mut conn, &["c\"d", "é"]), ["c\"d", "é"]);
        let query = words::table
            .filter(super::in_json_list(words::id, &["a".to_owned()]))
            .select(words::id);
        assert_eq!(
            diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query)
                .to_string()
                .split(" -- ")
                .next(),
            Some(
                "SELECT `words`.`id` FROM `words` WHERE `words`.`id` IN (SELECT value FROM json_each(?))"
            )
        );
    }
}
