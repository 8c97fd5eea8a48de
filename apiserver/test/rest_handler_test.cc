// apiserver/test/rest_handler_test.cc
