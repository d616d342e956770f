// Service tasks: spiffworkflow:serviceTaskOperator id=<action> with typed parameters, picked
// from the engine's action catalogue (the server hands it over as `catalog.actions`).
import { SelectEntry, TextFieldEntry, isSelectEntryEdited, isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { useWriteServices } from './common';
import { readOperator, writeOperator } from './extension';

function useOperator(element) {
  const actions = useService('config.branchflow').catalog.actions || [];
  const services = useWriteServices();
  const operator = readOperator(element) || { action: '', resultVariable: '', parameters: {} };
  const signature = actions.find((action) => action.name === operator.action);
  const values = Object.fromEntries(Object.entries(operator.parameters).map(([k, p]) => [k, p.value]));
  const write = (changes) =>
    writeOperator(services, element, {
      action: operator.action, resultVariable: operator.resultVariable, values, signature, ...changes
    });
  return { actions, operator, signature, values, write };
}

function ActionSelect({ element, id }) {
  const translate = useService('translate');
  const { actions, operator, values, write } = useOperator(element);
  const options = [{ value: '', label: translate('<none>') }].concat(
    actions.map((action) => ({ value: action.name, label: `${action.title} (${action.name})` }))
  );
  if (operator.action && !actions.some((action) => action.name === operator.action)) {
    options.push({ value: operator.action, label: `${translate('Unknown action')}: ${operator.action}` });
  }
  return (
    <SelectEntry
      id={id}
      element={element}
      label={translate('Action')}
      description={translate("Parameters are expressions: a literal ('2026', 3, True) or a data field name.")}
      getOptions={() => options}
      getValue={() => operator.action}
      setValue={(name) =>
        write({ action: name, values, signature: actions.find((action) => action.name === name) })
      }
    />
  );
}

function ResultVariable({ element, id }) {
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const { operator, write } = useOperator(element);
  return (
    <TextFieldEntry
      id={id}
      element={element}
      label={translate('Result variable')}
      debounce={debounce}
      getValue={() => operator.resultVariable}
      setValue={(value) => write({ resultVariable: (value || '').trim() })}
    />
  );
}

function ParameterValue({ element, id, param }) {
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const { values, write } = useOperator(element);
  const label = `${param.title || param.name} (${param.name} · ${param.type})${param.required ? ' *' : ''}`;
  return (
    <TextFieldEntry
      id={id}
      element={element}
      label={label}
      debounce={debounce}
      description={param.required ? translate('Required') : undefined}
      getValue={() => values[param.name] || ''}
      setValue={(value) => write({ values: { ...values, [param.name]: value || '' } })}
    />
  );
}

export function serviceTaskEntries(element, catalog) {
  const operator = readOperator(element);
  const signature = operator && (catalog.actions || []).find((action) => action.name === operator.action);
  const entries = [
    { id: 'bf-action', component: (props) => <ActionSelect {...props} id="bf-action" />, isEdited: isSelectEntryEdited },
    { id: 'bf-resultVariable', component: (props) => <ResultVariable {...props} id="bf-resultVariable" />, isEdited: isTextFieldEntryEdited }
  ];
  for (const param of (signature && signature.params) || []) {
    const id = `bf-param-${param.name}`;
    entries.push({
      id,
      component: (props) => <ParameterValue {...props} id={id} param={param} />,
      isEdited: isTextFieldEntryEdited
    });
  }
  return entries.map((entry) => ({ ...entry, element }));
}
