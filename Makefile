# railway: PGXS build of the PostgreSQL module (C++17), its install script and its SQL tests.
#   make && make install          build and install into the PostgreSQL found by pg_config
#   make installcheck             pg_regress (sql/, expected/) and isolation specs (test/isolation)
# The whole test suite, with a throwaway cluster, is test/run_all.sh (see README.md).

EXTENSION = railway
EXTVERSION = 1.1
MODULE_big = railway

CORE_SOURCES = $(sort $(wildcard src/core/*.cpp))
PG_SOURCES = $(sort $(wildcard src/pg/*.cpp))
OBJS = $(CORE_SOURCES:.cpp=.o) $(PG_SOURCES:.cpp=.o)

# The install script is assembled from src/sql/*.sql in name order (one file per subject).
# The upgrade script from the last released version to the one in development is written by
# hand, one file per subject too, in src/upgrade/<from>--<to>/, and assembled the same way.
UPGRADE_FROM = 1.0
DATA_built = railway--$(EXTVERSION).sql railway--$(UPGRADE_FROM)--$(EXTVERSION).sql
# Released versions: frozen railway--X.sql and upgrade scripts railway--X--Y.sql, committed in
# the repository root (README "Releasing a version"); test/integration/upgrade.sh checks them.
DATA = $(filter-out $(DATA_built),$(wildcard railway--*.sql))

REGRESS = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=btree_gist --load-extension=railway
ISOLATION = $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=test/isolation/output_iso \
                 --load-extension=btree_gist --load-extension=railway

PG_CPPFLAGS = -Isrc -DRAILWAY_VERSION='"$(EXTVERSION)"'
PG_CXXFLAGS = -std=c++17 -Wno-missing-field-initializers -Wno-register
SHLIB_LINK = -lstdc++ -lcrypto

EXTRA_CLEAN = test/isolation/output_iso

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PostgreSQL built --with-llvm also compiles every source to LLVM bitcode for JIT inlining;
# that compile does not see PG_CXXFLAGS, so it needs the C++ standard too. -Wno-register: some
# PostgreSQL headers (spinlocks, atomics) still use the `register` keyword that C++17 removed.
COMPILE.cxx.bc = $(CLANG) -xc++ -Wno-ignored-attributes $(BITCODE_CXXFLAGS) -std=c++17 -Wno-register $(CPPFLAGS) -flto=thin -emit-llvm -c

railway--$(EXTVERSION).sql: $(sort $(wildcard src/sql/*.sql))
	cat $^ > $@

railway--$(UPGRADE_FROM)--$(EXTVERSION).sql: $(sort $(wildcard src/upgrade/$(UPGRADE_FROM)--$(EXTVERSION)/*.sql))
	cat $^ > $@

# Objects depend on every header, so a header change rebuilds (the tree is small).
$(OBJS): $(wildcard src/core/*.hpp src/pg/*.hpp)
# The module reports EXTVERSION (railway.version()): rebuild it when the Makefile changes.
src/pg/module.o: Makefile
