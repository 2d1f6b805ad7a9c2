-- The catalog of the railway extension in the current database, one line per object, as text
-- that does not depend on OIDs: what test/integration/upgrade.sh compares between a fresh
-- install and an updated one. Everything an upgrade script could get wrong is here: members,
-- functions (with their bodies, volatility, strictness, parallel safety, security, settings,
-- privileges), aggregates, types, operators and operator classes, casts, tables, columns (in
-- order), defaults, views, indexes, constraints, triggers, policies, sequences, comments,
-- privileges and initial privileges, configuration tables and the rows of other extension tables.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only on
SET search_path = pg_catalog;

CREATE TEMPORARY VIEW ext_member AS
SELECT d.classid, d.objid, d.objsubid
FROM pg_depend d
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'railway');

CREATE TEMPORARY VIEW snapshot(line) AS
SELECT 'member ' || pg_describe_object(classid, objid, objsubid) FROM ext_member
UNION ALL
SELECT format('extension %s version=%s relocatable=%s schema=%s', e.extname, e.extversion,
              e.extrelocatable, e.extnamespace::regnamespace)
FROM pg_extension e WHERE e.extname = 'railway'
UNION ALL
SELECT format('config %s condition=%L', c.tbl::regclass, e.extcondition[c.n])
FROM pg_extension e, unnest(e.extconfig) WITH ORDINALITY AS c(tbl, n) WHERE e.extname = 'railway'
UNION ALL
SELECT format('schema %s owner=%s acl=%s comment=%L', n.nspname, n.nspowner::regrole, n.nspacl,
              obj_description(n.oid, 'pg_namespace'))
FROM pg_namespace n WHERE n.nspname = 'railway'
UNION ALL
SELECT format('function %s kind=%s lang=%s volatile=%s strict=%s parallel=%s secdef=%s leakproof=%s cost=%s rows=%s config=%s result=%s args=%s acl=%s comment=%L def=%L',
              p.oid::regprocedure, p.prokind, l.lanname, p.provolatile, p.proisstrict, p.proparallel,
              p.prosecdef, p.proleakproof, p.procost, p.prorows, p.proconfig,
              pg_get_function_result(p.oid), pg_get_function_arguments(p.oid), p.proacl,
              obj_description(p.oid, 'pg_proc'),
              CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END)
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'railway'::regnamespace
UNION ALL
SELECT format('aggregate %s %s', a.aggfnoid::regprocedure,
              row(a.aggkind, a.aggnumdirectargs, a.aggtransfn::regprocedure, a.aggfinalfn, a.aggcombinefn,
                  a.aggserialfn, a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn,
                  a.aggfinalextra, a.aggmfinalextra, a.aggfinalmodify, a.aggmfinalmodify,
                  a.aggsortop::regoperator, a.aggtranstype::regtype, a.aggtransspace,
                  a.aggmtranstype::regtype, a.aggmtransspace, a.agginitval, a.aggminitval))
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.pronamespace = 'railway'::regnamespace
UNION ALL
SELECT format('type %s %s acl=%s comment=%L', t.oid::regtype,
              row(t.typtype, t.typlen, t.typbyval, t.typcategory, t.typispreferred, t.typdelim,
                  t.typinput, t.typoutput, t.typreceive, t.typsend, t.typmodin, t.typmodout,
                  t.typanalyze, t.typsubscript, t.typelem::regtype, t.typarray::regtype, t.typalign,
                  t.typstorage, t.typnotnull, t.typbasetype::regtype, t.typtypmod, t.typndims,
                  t.typdefault, t.typrelid::regclass),
              t.typacl, obj_description(t.oid, 'pg_type'))
FROM pg_type t WHERE t.typnamespace = 'railway'::regnamespace
UNION ALL
SELECT format('enum %s %s %s', e.enumtypid::regtype, e.enumsortorder, e.enumlabel)
FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typnamespace = 'railway'::regnamespace
UNION ALL
SELECT format('operator %s %s comment=%L', o.oid::regoperator,
              row(o.oprkind, o.oprcanmerge, o.oprcanhash, o.oprresult::regtype, o.oprcode,
                  o.oprcom::regoperator, o.oprnegate::regoperator, o.oprrest, o.oprjoin),
              obj_description(o.oid, 'pg_operator'))
FROM pg_operator o WHERE o.oprnamespace = 'railway'::regnamespace
UNION ALL
SELECT format('opfamily %s %s comment=%L', am.amname, f.opfname, obj_description(f.oid, 'pg_opfamily'))
FROM pg_opfamily f JOIN pg_am am ON am.oid = f.opfmethod WHERE f.opfnamespace = 'railway'::regnamespace
UNION ALL
SELECT format('opclass %s %s family=%s type=%s default=%s key=%s comment=%L', am.amname, c.opcname,
              f.opfname, c.opcintype::regtype, c.opcdefault, c.opckeytype::regtype,
              obj_description(c.oid, 'pg_opclass'))
FROM pg_opclass c JOIN pg_am am ON am.oid = c.opcmethod JOIN pg_opfamily f ON f.oid = c.opcfamily
WHERE c.opcnamespace = 'railway'::regnamespace
UNION ALL
SELECT format('amop %s %s %s %s %s %s %s', f.opfname, o.amoplefttype::regtype, o.amoprighttype::regtype,
              o.amopstrategy, o.amoppurpose, o.amopopr::regoperator, o.amopsortfamily)
FROM pg_amop o JOIN pg_opfamily f ON f.oid = o.amopfamily WHERE f.opfnamespace = 'railway'::regnamespace
UNION ALL
SELECT format('amproc %s %s %s %s %s', f.opfname, p.amproclefttype::regtype, p.amprocrighttype::regtype,
              p.amprocnum, p.amproc::regprocedure)
FROM pg_amproc p JOIN pg_opfamily f ON f.oid = p.amprocfamily WHERE f.opfnamespace = 'railway'::regnamespace
UNION ALL
SELECT format('cast %s', row(c.castsource::regtype, c.casttarget::regtype, c.castfunc::regprocedure,
                              c.castcontext, c.castmethod))
FROM pg_cast c JOIN ext_member m ON m.classid = 'pg_cast'::regclass AND m.objid = c.oid
UNION ALL
SELECT format('relation %s kind=%s persistence=%s options=%s acl=%s rls=%s,%s owner=%s comment=%L def=%L',
              c.oid::regclass, c.relkind, c.relpersistence, c.reloptions, c.relacl, c.relrowsecurity,
              c.relforcerowsecurity, c.relowner::regrole, obj_description(c.oid, 'pg_class'),
              CASE c.relkind WHEN 'v' THEN pg_get_viewdef(c.oid) WHEN 'm' THEN pg_get_viewdef(c.oid)
                             WHEN 'i' THEN pg_get_indexdef(c.oid) END)
FROM pg_class c WHERE c.relnamespace = 'railway'::regnamespace
UNION ALL
SELECT format('column %s #%s %s type=%s notnull=%s identity=%s generated=%s default=%L acl=%s options=%s collation=%s comment=%L',
              a.attrelid::regclass,
              row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum), a.attname,
              format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity, a.attgenerated,
              pg_get_expr(d.adbin, d.adrelid), a.attacl,
              -- (this PostgreSQL build keeps a per-install pg_attver=... in attoptions: not a difference)
              ARRAY(SELECT o FROM unnest(a.attoptions) AS o WHERE o NOT LIKE 'pg\_attver=%' ORDER BY o),
              a.attcollation::regcollation,
              col_description(a.attrelid, a.attnum))
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = 'railway'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
  AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT format('constraint %s %s %s def=%s deferrable=%s,%s validated=%s comment=%L',
              COALESCE(k.conrelid::regclass::text, k.contypid::regtype::text), k.conname, k.contype,
              pg_get_constraintdef(k.oid), k.condeferrable, k.condeferred, k.convalidated,
              obj_description(k.oid, 'pg_constraint'))
FROM pg_constraint k WHERE k.connamespace = 'railway'::regnamespace
UNION ALL
SELECT format('trigger %s %s enabled=%s def=%s comment=%L', g.tgrelid::regclass, g.tgname, g.tgenabled,
              pg_get_triggerdef(g.oid), obj_description(g.oid, 'pg_trigger'))
FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
WHERE c.relnamespace = 'railway'::regnamespace AND NOT g.tgisinternal
UNION ALL
SELECT format('policy %s %s %s', p.tablename, p.policyname,
              row(p.permissive, p.roles, p.cmd, p.qual, p.with_check))
FROM pg_policies p WHERE p.schemaname = 'railway'
UNION ALL
SELECT format('rule %s %s', r.tablename, pg_get_ruledef(x.oid))
FROM pg_rules r JOIN pg_rewrite x ON x.rulename = r.rulename
     AND x.ev_class = (quote_ident(r.schemaname) || '.' || quote_ident(r.tablename))::regclass
WHERE r.schemaname = 'railway'
UNION ALL
SELECT format('sequence %s %s', s.seqrelid::regclass,
              row(s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle))
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = 'railway'::regnamespace
UNION ALL
SELECT format('initprivs %s %s %s', pg_describe_object(i.classoid, i.objoid, i.objsubid), i.privtype, i.initprivs)
FROM pg_init_privs i
WHERE pg_describe_object(i.classoid, i.objoid, i.objsubid) ~ '(^schema railway$|railway\.)'
UNION ALL
SELECT format('event trigger %s %s %s %s enabled=%s', e.evtname, e.evtevent, e.evtfoid::regprocedure, e.evttags, e.evtenabled)
FROM pg_event_trigger e JOIN ext_member m ON m.classid = 'pg_event_trigger'::regclass AND m.objid = e.oid;

SELECT replace(line, E'\n', '\n') AS line FROM snapshot ORDER BY line COLLATE "C";

-- The rows of the extension's own tables that are not configuration tables (those belong to
-- the user): an upgrade script must leave them as a fresh install has them.
SELECT format('SELECT %L || t::text FROM %s AS t ORDER BY t::text COLLATE "C"', 'row ' || c.oid::regclass || ' ', c.oid::regclass)
FROM ext_member m JOIN pg_class c ON c.oid = m.objid
WHERE m.classid = 'pg_class'::regclass AND c.relkind IN ('r', 'p')
  AND c.oid <> ALL (SELECT unnest(extconfig) FROM pg_extension WHERE extname = 'railway')
ORDER BY c.oid::regclass::text COLLATE "C"
\gexec
