-- How many published posts the planner expects a search's words to match, over every post (its statistics
-- of the search vectors' most common lexemes, from ANALYZE), and how many posts there are: the search
-- (src/search/search.service.ts) chooses from these how to find its results — every match from the GIN
-- index, or a walk of the newest posts by date — never which results are found. An EXPLAIN, not run; in a
-- function so that the search's first statement carries it (one round trip fewer per search).
CREATE FUNCTION agora_search_estimate(query tsquery, OUT matches float8, OUT posts float8)
LANGUAGE plpgsql VOLATILE AS $function$
DECLARE
  plan json;
BEGIN
  -- The query is our own tsquery's text, quoted as a literal (%L): nothing typed becomes SQL.
  EXECUTE format(
    'EXPLAIN (FORMAT JSON) SELECT 1 FROM posts WHERE search_vector @@ %L::tsquery AND status = ''PUBLISHED'' AND deleted_at IS NULL',
    query::text) INTO plan;
  matches := (plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
  SELECT greatest(reltuples, 0)::float8 INTO posts FROM pg_class WHERE oid = 'posts'::regclass;
END
$function$;
