// What railway asks of Citus's catalog, for the functions that behave differently on a cluster.
#pragma once

#include "boundary.hpp"

namespace railway::pg {

// How Citus manages the table: 'h' distributed by hash, 'n' reference table or Citus local
// table, another letter for the other methods, or 0 when it does not (no Citus, or a plain
// table). When it does, the rows are in shards, and the table's own heap on this node is an
// empty shell. Called after spi_connect.
char citus_partition_method(Oid relid);

}  // namespace railway::pg
